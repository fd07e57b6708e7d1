import type { Charge } from '../domain/charge.js'
import type { PproEvent } from '../domain/events.js'
import { chargeResponse } from './responses.js'

/**
 * A charge's JSON answer (`GET /v1/payment-charges/{id}`), built once and sent again until the charge
 * changes. Every change of a charge publishes an event about it (`changed`), as durable mode's journal
 * also relies on; an agreement's decision is shared by its initial charge, so an agreement's event
 * forgets that charge's answer too. An answer is kept for the charge object it was built from: a charge
 * loaded afresh (a replica's, a recovered one) is built afresh.
 *
 * With `verify` (the test suite), every answer sent again is first compared with one built now, and a
 * difference is an error: every read of every test checks that nothing changes a charge unannounced.
 */
export class ChargeBodies {
  readonly #kept = new Map<string, { charge: Charge; body: string }>()

  /**
   * `capacity`: how many charges' answers are kept (the ones being read now, not every charge ever
   * read); 0 keeps none (replicas, whose every read loads the charge afresh).
   */
  constructor(
    private readonly baseUrl: string,
    private readonly initialChargeOf: (agreementId: string) => string | undefined,
    private readonly options: { capacity: number; verify?: boolean | undefined },
  ) {}

  /** The charge's answer, as JSON text. */
  of(charge: Charge): string {
    const kept = this.#kept.get(charge.id)
    if (kept?.charge === charge) {
      if (this.options.verify) this.#check(charge, kept.body)
      return kept.body
    }
    const body = JSON.stringify(chargeResponse(charge, this.baseUrl))
    if (this.options.capacity === 0) return body
    if (kept) this.#kept.delete(charge.id)
    else if (this.#kept.size >= this.options.capacity) this.#kept.delete(this.#kept.keys().next().value!)
    this.#kept.set(charge.id, { charge, body })
    return body
  }

  /**
   * A page of a search (`{data, nextPage, _links}`) made of its charges' answers, in the text
   * JSON.stringify of the page would give.
   */
  page(charges: readonly Charge[], nextPage: string | undefined, links: Record<string, { href: string }>): string {
    const next = nextPage === undefined ? '' : `,"nextPage":${JSON.stringify(nextPage)}`
    return `{"data":[${charges.map((c) => this.of(c)).join(',')}]${next},"_links":${JSON.stringify(links)}}`
  }

  /** An event was published: the answers it makes stale are forgotten. */
  readonly changed = (event: PproEvent): void => {
    if (event.chargeId !== undefined) this.#kept.delete(event.chargeId)
    else if (event.agreementId !== undefined) {
      const initial = this.initialChargeOf(event.agreementId)
      if (initial !== undefined) this.#kept.delete(initial)
    }
  }

  #check(charge: Charge, body: string): void {
    const now = JSON.stringify(chargeResponse(charge, this.baseUrl))
    if (now !== body) throw new Error(`charge ${charge.id} changed without an event: its kept answer was ${body}, it is now ${now}`)
  }
}
