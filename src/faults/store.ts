import { refuse } from '../domain/errors.js'
import { mulberry32 } from './prng.js'
import { type ApiFault, type ApiMatch, type FaultRule, type FaultSchedule, parseRule, type WebhookFault } from './rules.js'

interface Common {
  readonly id: string
  readonly seq: number
  readonly merchantId: string
  readonly createdAt: number
  readonly schedule: FaultSchedule
  readonly rng: () => number
  remaining: number | undefined
  matched: number
  fired: number
}

export interface ApiRule extends Common {
  readonly target: 'api'
  readonly match: ApiMatch
  readonly fault: ApiFault
  /** The path template, compiled once when the rule is added. */
  readonly pattern: RegExp | undefined
}

export interface WebhookRule extends Common {
  readonly target: 'webhook'
  readonly webhook: WebhookFault
}

export type Rule = ApiRule | WebhookRule

/** `/v1/payment-charges/{id}/refunds` -> a pattern matching one path segment per `{…}`, trailing slash allowed. */
export function compilePath(template: string): RegExp {
  const body = template
    .replace(/\/$/, '')
    .split('/')
    .map((seg) => (/^\{.*\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
  return new RegExp(`^${body}/?$`)
}

/**
 * Per merchant fault rules, API and webhook apart, so each path asks only for its own kind with one
 * Map lookup; a merchant without rules has no entry at all.
 */
export class FaultStore {
  readonly #api = new Map<string, ApiRule[]>()
  readonly #webhook = new Map<string, WebhookRule[]>()
  /** Rule ids count up across merchants: short to type in a test or on the command line (`fault_3`). */
  #seq = 0

  constructor(private readonly now: () => number) {}

  /**
   * Validates and stores a rule; a bad rule is a 400 and stores nothing. `as`: the id, number and
   * creation time it already has (replicas keep a copy of the rules stored in Redis).
   */
  add(merchantId: string, body: unknown, as?: { id: string; seq: number; createdAt: number }): Rule {
    const parsed = parseRule(body)
    if ('error' in parsed) throw refuse('invalidFaultRule', parsed.error)
    const { rule: input } = parsed
    const schedule = input.schedule
    const seq = as ? as.seq : ++this.#seq
    const common = {
      id: as ? as.id : `fault_${seq}`,
      seq,
      merchantId,
      createdAt: as ? as.createdAt : this.now(),
      schedule,
      rng: mulberry32(schedule.seed ?? 1),
      remaining: schedule.probability === undefined ? (schedule.count ?? 1) : undefined,
      matched: 0,
      fired: 0,
    }
    if (input.target === 'api') {
      const rule: ApiRule = {
        ...common,
        target: 'api',
        match: input.match,
        fault: input.fault,
        pattern: input.match.path === undefined ? undefined : compilePath(input.match.path),
      }
      push(this.#api, merchantId, rule)
      return rule
    }
    const rule: WebhookRule = { ...common, target: 'webhook', webhook: input.webhook }
    push(this.#webhook, merchantId, rule)
    return rule
  }

  /** A merchant's rules, oldest first. */
  list(merchantId: string): Rule[] {
    return [...(this.#api.get(merchantId) ?? []), ...(this.#webhook.get(merchantId) ?? [])].sort((a, b) => a.seq - b.seq)
  }

  remove(merchantId: string, id: string): Rule {
    for (const map of [this.#api, this.#webhook] as Array<Map<string, Rule[]>>) {
      const list = map.get(merchantId)
      const i = list ? list.findIndex((r) => r.id === id) : -1
      if (list && i >= 0) {
        const [rule] = list.splice(i, 1)
        if (list.length === 0) map.delete(merchantId)
        return rule!
      }
    }
    throw refuse('notFound', 'fault rule', id)
  }

  /** Removes every rule of a merchant; answers how many there were. */
  clear(merchantId: string): number {
    const n = (this.#api.get(merchantId)?.length ?? 0) + (this.#webhook.get(merchantId)?.length ?? 0)
    this.#api.delete(merchantId)
    this.#webhook.delete(merchantId)
    return n
  }

  /** The merchant's API rules, or undefined (no allocation) when it has none. */
  apiRules(merchantId: string): ApiRule[] | undefined {
    return this.#api.get(merchantId)
  }

  webhookRules(merchantId: string): WebhookRule[] | undefined {
    return this.#webhook.get(merchantId)
  }

  /**
   * The first rule that matches and fires, in the order they were added. `reference` is asked only of a
   * rule that needs it (it may look the charge up).
   */
  matchApi(rules: readonly ApiRule[], method: string, path: string, reference: () => string | undefined): ApiRule | undefined {
    for (const r of rules) {
      if (r.remaining === 0) continue
      if (r.match.method !== undefined && r.match.method !== method) continue
      if (r.pattern !== undefined && !r.pattern.test(path)) continue
      if (r.match.merchantPaymentChargeReference !== undefined && r.match.merchantPaymentChargeReference !== reference()) continue
      if (fires(r)) return r
    }
    return undefined
  }

  /**
   * As `matchApi`, where another party decides whether a matching rule fires (replicas count a rule's
   * matches in Redis, so a count holds across all of them).
   */
  async matchApiShared(
    rules: readonly ApiRule[],
    method: string,
    path: string,
    reference: () => Promise<string | undefined>,
    fire: (rule: ApiRule) => Promise<boolean>,
  ): Promise<ApiRule | undefined> {
    for (const r of rules) {
      if (r.match.method !== undefined && r.match.method !== method) continue
      if (r.pattern !== undefined && !r.pattern.test(path)) continue
      if (r.match.merchantPaymentChargeReference !== undefined && r.match.merchantPaymentChargeReference !== (await reference())) continue
      if (await fire(r)) return r
    }
    return undefined
  }

  /** The first webhook rule for this event type that fires; `first`: whether this is the event's first attempt. */
  matchWebhook(rules: readonly WebhookRule[], eventType: string, first: boolean): WebhookRule | undefined {
    for (const r of rules) {
      if (r.remaining === 0) continue
      if (r.webhook.eventType !== undefined && r.webhook.eventType !== eventType) continue
      // Holding back and duplicating concern an event's first attempt; retries follow their own schedule.
      if (!first && r.webhook.kind !== 'bad-signature' && r.webhook.kind !== 'stale-signature') continue
      if (fires(r)) return r
    }
    return undefined
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

/** Counts a match; a count rule fires while it has some left, a probability rule when its draw says so. */
function fires(r: Common): boolean {
  r.matched++
  if (r.remaining !== undefined) {
    r.remaining--
    r.fired++
    return true
  }
  if (r.rng() < r.schedule.probability!) {
    r.fired++
    return true
  }
  return false
}

/** A rule as the API lists it. */
export function ruleView(r: Rule): FaultRule {
  const s = r.schedule
  const id = r.id
  const common = {
    ...(s.probability === undefined ? { count: s.count ?? 1, remaining: r.remaining! } : { probability: s.probability }),
    seed: s.seed ?? 1,
    matched: r.matched,
    fired: r.fired,
    createdAt: new Date(r.createdAt).toISOString(),
  }
  return r.target === 'api' ? { id, match: r.match, fault: r.fault, ...common } : { id, webhook: r.webhook, ...common }
}
