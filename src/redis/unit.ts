import type { Agreement } from '../domain/agreement.js'
import type { Charge } from '../domain/charge.js'
import type { PproEvent } from '../domain/events.js'
import type { Session } from '../domain/sessions.js'
import type { Store } from '../domain/store.js'

export type Kind = 'ch' | 'ag' | 'se'
export type Doc = Charge | Agreement | Session

/** The kind of a document, from its id's prefix (`charge_…`, `agr_…`, `sess_…`). */
export function kindOf(id: string): Kind | undefined {
  if (id.startsWith('charge_')) return 'ch'
  if (id.startsWith('agr_')) return 'ag'
  if (id.startsWith('sess_')) return 'se'
  return undefined
}

/** One document as a unit of work loaded it: its version and the JSON it was read as (to tell what changed). */
export interface Loaded {
  id: string
  kind: Kind
  v: number
  json: string
  doc: Doc
  /** Its status when loaded: a change of it moves the document between the dashboard's status sets. */
  status: string | undefined
}

/**
 * What one synchronous domain step sees and does on a replica: the documents loaded from Redis (fresh
 * copies, never shared with another unit), the index windows a search reads, the documents it inserts
 * and the events it publishes. The commit writes what changed, with compare-and-set on every version read.
 */
export class Unit {
  readonly loaded = new Map<string, Loaded>()
  readonly inserted: Array<{ kind: Kind; doc: Doc }> = []
  readonly events: PproEvent[] = []
  /** Index windows (`ch:{m}`, `ref:{m}:{ref}`, `agc:{m}:{id}`): sparse arrays at their real positions. */
  readonly lists = new Map<string, Doc[]>()

  constructor(
    /** Redis's time (ms) when the unit was loaded, and the shared sandbox clock's offset then. */
    readonly wall: number,
    readonly offset: number,
  ) {}

  get now(): number {
    return this.wall + this.offset
  }

  add(id: string, v: number, json: string): void {
    const kind = kindOf(id)
    if (!kind || v === 0 || json === '' || this.loaded.has(id)) return
    const doc = JSON.parse(json) as Doc
    this.loaded.set(id, { id, kind, v, json, doc, status: (doc as { status?: string }).status })
  }

  get<T extends Doc>(id: string, kind: Kind): T | undefined {
    const l = this.loaded.get(id)
    if (l && l.kind === kind) return l.doc as T
    for (const i of this.inserted) if (i.kind === kind && i.doc.id === id) return i.doc as T
    return undefined
  }
}

const NONE: readonly never[] = Object.freeze([])

/**
 * The domain's Store on a replica: a synchronous view of the unit of work in progress. Outside a unit
 * (nothing should read it then) it holds nothing and refuses writes, so a change that would escape its
 * commit fails loudly instead of being lost.
 */
export class UnitStore implements Store {
  #unit: Unit | undefined

  get unit(): Unit | undefined {
    return this.#unit
  }

  enter(unit: Unit): void {
    this.#unit = unit
  }

  leave(): void {
    this.#unit = undefined
  }

  #u(): Unit {
    const u = this.#unit
    if (!u) throw new Error('a record was written outside a unit of work')
    return u
  }

  getCharge(id: string): Charge | undefined {
    return this.#unit?.get<Charge>(id, 'ch')
  }
  insertCharge(charge: Charge): void {
    this.#u().inserted.push({ kind: 'ch', doc: charge })
  }
  chargesOf(merchantId: string): readonly Charge[] {
    return (this.#unit?.lists.get(`ch:${merchantId}`) as Charge[] | undefined) ?? NONE
  }
  chargesByReference(merchantId: string, reference: string): readonly Charge[] {
    return (this.#unit?.lists.get(`ref:${merchantId}:${reference}`) as Charge[] | undefined) ?? NONE
  }
  chargesOfAgreement(merchantId: string, agreementId: string): readonly Charge[] {
    return (this.#unit?.lists.get(`agc:${merchantId}:${agreementId}`) as Charge[] | undefined) ?? NONE
  }
  getAgreement(id: string): Agreement | undefined {
    return this.#unit?.get<Agreement>(id, 'ag')
  }
  insertAgreement(agreement: Agreement): void {
    this.#u().inserted.push({ kind: 'ag', doc: agreement })
  }
  agreementsOf(merchantId: string): readonly Agreement[] {
    return (this.#unit?.lists.get(`ag:${merchantId}`) as Agreement[] | undefined) ?? NONE
  }
  getSession(id: string): Session | undefined {
    return this.#unit?.get<Session>(id, 'se')
  }
  insertSession(session: Session): void {
    this.#u().inserted.push({ kind: 'se', doc: session })
  }
  /** DELETE /sandbox/data runs in Redis (one script); the in-process part has nothing to forget. */
  deleteMerchant(): void {}
  forget(): void {}
  merchants(): Iterable<string> {
    return NONE
  }
}

/** The index lists a new document joins. */
export function indexesOf(kind: Kind, doc: Doc): string[] {
  if (kind !== 'ch') return [kind]
  const c = doc as Charge
  const out = ['ch']
  if (c.merchantPaymentChargeReference !== undefined) out.push(`ref:${c.merchantPaymentChargeReference}`)
  if (c.agreementId !== undefined) out.push(`agc:${c.agreementId}`)
  return out
}

/** Ids a document links to, which a step on it may read or change (an agreement's initial charge, a charge's session, …). */
export function linksOf(kind: Kind, doc: Doc): string[] {
  const out: string[] = []
  const d = doc as Partial<Charge & Agreement & Session>
  if (kind === 'ch') {
    if (d.paymentSessionId) out.push(d.paymentSessionId)
    if (d.agreementId) out.push(d.agreementId)
  } else if (kind === 'ag') {
    if (d.initialPaymentChargeId) out.push(d.initialPaymentChargeId)
    if (d.paymentSessionId) out.push(d.paymentSessionId)
  } else {
    if (d.chargeId) out.push(d.chargeId)
    if (d.agreementId) out.push(d.agreementId)
  }
  return out
}

/** The kinds the dashboard lists, numbered per merchant in the order they were created. */
export function numbered(kind: Kind): string {
  return kind === 'se' ? '' : kind
}

/**
 * The dashboard's sorted-set entries of a document (relative to its merchant's keys): [set, ''] is the
 * document's id scored by its number (every one, by status, an agreement's charges), [set, member] a
 * text entry, `lowercased text NUL id`, searched by prefix (the id, the merchant's reference, an
 * agreement's description).
 */
export function sortedIndexesOf(kind: Kind, doc: Doc): Array<[string, string]> {
  if (kind === 'se') return []
  const text = (s: string | undefined): Array<[string, string]> => (s ? [[`${kind}q`, `${s.toLowerCase()}\u0000${doc.id}`]] : [])
  if (kind === 'ch') {
    const c = doc as Charge
    return [
      ['chz', ''],
      [`chs:${c.status}`, ''],
      ...(c.agreementId !== undefined ? ([[`agcz:${c.agreementId}`, '']] as Array<[string, string]>) : []),
      ...text(c.id),
      ...text(c.merchantPaymentChargeReference),
    ]
  }
  const a = doc as Agreement
  return [['agz', ''], [`ags:${a.status}`, ''], ...text(a.id), ...text(a.merchantPaymentAgreementReference), ...text(a.description)]
}

/**
 * What a change does to a document's sorted-set entries: only its status moves it (its id, reference,
 * description and agreement never change), from the set of the status it was loaded with to its new one.
 */
export function statusMove(l: Loaded): [add: Array<[string, string]>, remove: Array<[string, string]>] {
  const now = (l.doc as { status?: string }).status
  if (l.kind === 'se' || now === l.status) return [[], []]
  return [[[`${l.kind}s:${now}`, '']], [[`${l.kind}s:${l.status}`, '']]]
}
