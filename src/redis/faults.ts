import type { FastifyReply, FastifyRequest } from 'fastify'
import { refuse } from '../domain/errors.js'
import { mulberry32 } from '../faults/prng.js'
import { parseRule } from '../faults/rules.js'
import { type FaultStore, type Rule, ruleView, type WebhookRule } from '../faults/store.js'

/**
 * Fault rules on replicas, kept in Redis (keys under the prefix):
 *   f:{m}          hash rule id → the rule as it was posted (JSON)
 *   f:{m}:{id}     hash seq, at (created, sandbox ms), matched, fired, remaining (-1: a probability rule)
 *   f:seq          the last rule number (ids count up across merchants, `fault_3`, as in memory mode)
 *   f:merchants    the merchants with rules
 * A change is announced on the bus (`faults {merchant}`) and every replica reloads that merchant's rules
 * into its own FaultStore, which matches requests as in memory mode; whether a matching rule fires is
 * decided in Redis, so a count rule fires exactly `count` times over all replicas, and a probability
 * rule's n-th match over all replicas takes the n-th draw of its seeded generator. Webhook rules act on
 * the replica's own sends (Replica#attempt).
 */
export const FAULT_ADD = `
local p, m = ARGV[1], ARGV[2]
local seq = redis.call('INCR', p .. 'f:seq')
local id = 'fault_' .. seq
redis.call('HSET', p .. 'f:' .. m, id, ARGV[3])
redis.call('HSET', p .. 'f:' .. m .. ':' .. id, 'seq', seq, 'at', ARGV[4], 'matched', 0, 'fired', 0, 'remaining', ARGV[5])
redis.call('SADD', p .. 'f:merchants', m)
return id
`

/** ARGV prefix, merchant, rule id ('': every rule of the merchant) → how many were removed. */
export const FAULT_REMOVE = `
local p, m, id = ARGV[1], ARGV[2], ARGV[3]
local k = p .. 'f:' .. m
local ids = id == '' and redis.call('HKEYS', k) or { id }
local n = 0
for _, x in ipairs(ids) do
  n = n + redis.call('HDEL', k, x)
  redis.call('DEL', k .. ':' .. x)
end
if redis.call('EXISTS', k) == 0 then redis.call('SREM', p .. 'f:merchants', m) end
return n
`

/**
 * A rule matched a request: ARGV prefix, merchant, id, 'count' | 'draw'. A count rule fires while it has
 * some left (→ 1, else 0, its match not counted, as in memory mode); a probability rule's match is
 * counted (→ its number, for the draw). → -1: the rule is gone.
 */
export const FAULT_MATCH = `
local k = ARGV[1] .. 'f:' .. ARGV[2] .. ':' .. ARGV[3]
if redis.call('EXISTS', k) == 0 then return -1 end
if ARGV[4] == 'count' then
  if tonumber(redis.call('HGET', k, 'remaining')) <= 0 then return 0 end
  redis.call('HINCRBY', k, 'remaining', -1)
  redis.call('HINCRBY', k, 'fired', 1)
  redis.call('HINCRBY', k, 'matched', 1)
  return 1
end
return redis.call('HINCRBY', k, 'matched', 1)
`

/** What SharedFaults needs of its replica: its scripts, its connection and its bus. */
export interface FaultsBackend {
  run(src: string, args: Array<string | number>): Promise<unknown>
  hgetall(key: string): Promise<Record<string, string>>
  hget(key: string, field: string): Promise<string | null>
  hincrby(key: string, field: string, by: number): Promise<unknown>
  smembers(key: string): Promise<string[]>
  tell(what: string, arg: string): Promise<void>
  now(): number
}

/** The n-th draw (from 1) of mulberry32(seed): its state after n - 1 draws is the seed plus n - 1 steps. */
function nthDraw(seed: number, n: number): number {
  return mulberry32((seed + Math.imul(n - 1, 0x6d2b79f5)) >>> 0)()
}

export class SharedFaults {
  constructor(
    private readonly store: FaultStore,
    private readonly b: FaultsBackend,
  ) {}

  /** At start: every merchant's rules, into this replica's store. */
  async loadAll(): Promise<void> {
    for (const m of await this.b.smembers('f:merchants')) await this.reload(m)
  }

  /** Replaces this replica's copy of a merchant's rules by what Redis holds, with their counts. */
  async reload(merchantId: string): Promise<Rule[]> {
    const bodies = await this.b.hgetall(`f:${merchantId}`)
    const rows = await Promise.all(
      Object.entries(bodies).map(async ([id, body]) => ({ id, body, c: await this.b.hgetall(`f:${merchantId}:${id}`) })),
    )
    rows.sort((x, y) => Number(x.c.seq) - Number(y.c.seq))
    this.store.clear(merchantId)
    const rules: Rule[] = []
    for (const { id, body, c } of rows) {
      if (c.seq === undefined) continue
      const rule = this.store.add(merchantId, JSON.parse(body), { id, seq: Number(c.seq), createdAt: Number(c.at) })
      rule.matched = Number(c.matched)
      rule.fired = Number(c.fired)
      if (rule.remaining !== undefined) rule.remaining = Math.max(0, Number(c.remaining))
      rules.push(rule)
    }
    return rules
  }

  /** `POST /sandbox/faults`: validated here, stored in Redis, loaded by every replica. */
  async add(merchantId: string, body: unknown): Promise<Rule> {
    const parsed = parseRule(body)
    if ('error' in parsed) throw refuse('invalidFaultRule', parsed.error)
    const s = parsed.rule.schedule
    const remaining = s.probability === undefined ? (s.count ?? 1) : -1
    const id = String(await this.b.run(FAULT_ADD, [merchantId, JSON.stringify(body), this.b.now(), remaining]))
    const rules = await this.#changed(merchantId)
    return rules.find((r) => r.id === id)!
  }

  /** `DELETE /sandbox/faults/{id}`: the rule as it was, with its counts. */
  async remove(merchantId: string, id: string): Promise<Rule> {
    const rule = (await this.reload(merchantId)).find((r) => r.id === id)
    if (!rule || Number(await this.b.run(FAULT_REMOVE, [merchantId, id])) === 0) throw refuse('notFound', 'fault rule', id)
    await this.#changed(merchantId)
    return rule
  }

  /** `DELETE /sandbox/faults`: how many rules the merchant had. */
  async clear(merchantId: string): Promise<number> {
    const n = Number(await this.b.run(FAULT_REMOVE, [merchantId, '']))
    await this.#changed(merchantId)
    return n
  }

  async #changed(merchantId: string): Promise<Rule[]> {
    await this.b.tell('faults', merchantId)
    return this.reload(merchantId)
  }

  /** The merchant reference of a merchant's charge, as Redis holds it (a rule may match on it). */
  readonly chargeReference = async (merchantId: string, chargeId: string): Promise<string | undefined> => {
    const doc = await this.b.hget(`d:${chargeId}`, 'doc')
    const charge = doc ? (JSON.parse(doc) as { merchantId: string; merchantPaymentChargeReference?: string }) : undefined
    return charge?.merchantId === merchantId ? charge.merchantPaymentChargeReference : undefined
  }

  /** Whether the merchant has webhook rules (a reorder may have parked events then). */
  hasWebhookRules(merchantId: string): boolean {
    return this.store.webhookRules(merchantId) !== undefined
  }

  /**
   * The webhook rule that fires for an attempt about to be sent, as memory mode matches them: by event
   * type; holding back and duplicating only on an event's first attempt. Decided in Redis like the rest.
   */
  async webhookRule(merchantId: string, eventType: string, first: boolean): Promise<WebhookRule | undefined> {
    for (const r of this.store.webhookRules(merchantId) ?? []) {
      if (r.webhook.eventType !== undefined && r.webhook.eventType !== eventType) continue
      if (!first && r.webhook.kind !== 'bad-signature' && r.webhook.kind !== 'stale-signature') continue
      if (await this.fire(r)) return r
    }
    return undefined
  }

  /** Whether a rule that matched a request or an attempt fires, decided in Redis for every replica at once. */
  readonly fire = async (rule: Rule): Promise<boolean> => {
    const probability = rule.schedule.probability
    const r = Number(await this.b.run(FAULT_MATCH, [rule.merchantId, rule.id, probability === undefined ? 'count' : 'draw']))
    if (probability === undefined || r <= 0) return r === 1
    if (nthDraw(rule.schedule.seed ?? 1, r) >= probability) return false
    await this.b.hincrby(`f:${rule.merchantId}:${rule.id}`, 'fired', 1)
    return true
  }
}

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>

/** `/sandbox/faults` on a replica, by method and URL: the rules in Redis, with every replica's counts. */
export function replicaFaultRoutes(replica: { faults: SharedFaults | undefined }): Record<string, Handler> {
  const shared = () => {
    if (!replica.faults) throw new Error('fault rules are not loaded yet')
    return replica.faults
  }
  return {
    async 'GET /sandbox/faults'(req) {
      return { data: (await shared().reload(req.merchantId)).map(ruleView) }
    },
    async 'POST /sandbox/faults'(req, reply) {
      const rule = await shared().add(req.merchantId, req.body)
      req.log.info({ rule: rule.id }, 'fault rule added')
      return reply.code(201).send(ruleView(rule))
    },
    async 'DELETE /sandbox/faults/:faultId'(req) {
      return ruleView(await shared().remove(req.merchantId, (req.params as { faultId: string }).faultId))
    },
    async 'DELETE /sandbox/faults'(req) {
      return { deleted: await shared().clear(req.merchantId) }
    },
  }
}
