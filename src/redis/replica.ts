import { createHash, randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Agreement } from '../domain/agreement.js'
import type { Charge } from '../domain/charge.js'
import type { Clock } from '../domain/clock.js'
import { refuse } from '../domain/errors.js'
import type { PproEvent } from '../domain/events.js'
import { PinnableClock } from '../durable/hold.js'
import type { Logger } from '../logger.js'
import type { Feed } from '../observe/feed.js'
import type { FeedMessage, RequestBodies } from '../observe/messages.js'
import type { Sandbox, SandboxObserver } from '../sandbox.js'
import { type Attempt, type Delivery, type DeliveryStatus, eventBody, type WebhookSettings } from '../webhooks/dispatcher.js'
import type { MerchantRegistry } from '../webhooks/merchants.js'
import { pproSignature, signWebhook } from '../webhooks/signing.js'
import type { WebhookTransport } from '../webhooks/transport.js'
import type { FaultStore } from '../faults/store.js'
import { DEFAULT_HOLD_SECONDS, DEFAULT_STALE_SECONDS, WRONG_SECRET } from '../faults/webhooks.js'
import type { SeedFile } from '../seed.js'
import type { SharedShop } from '../demo/demo-routes.js'
import { sharedShop } from './demo.js'
import { SharedFaults } from './faults.js'
import * as S from './scripts.js'
import { type Doc, indexesOf, type Kind, linksOf, numbered, sortedIndexesOf, statusMove, Unit, UnitStore } from './unit.js'

export interface ReplicaOptions {
  url: string
  /** How long a claimed timer, webhook subject or idempotency key in progress stays with its replica. */
  leaseMs: number
  /** How often the replica looks for due timers and owed webhooks. */
  pollMs: number
  /** Retention (docs/durable-mode.md): finished charges older than `days` of real time, or beyond `maxCharges` a merchant, are forgotten. */
  retention?: { days: number; maxCharges: number; sweepSeconds: number } | undefined
  /** Key prefix: several sandboxes can share one Redis database apart (default `pks:`). */
  prefix?: string | undefined
  baseClock: Clock
  logger: Logger
  merchants: MerchantRegistry
  transport: WebhookTransport
  webhooks: WebhookSettings
}

/** What /health says of a replica. */
export interface ReplicaStatus {
  mode: 'replica'
  replica: string
  redis: string
}

/** An index window a search reads: its name in the unit, its list key, the last position and how many before it. */
export interface Window {
  name: string
  list: string
  end: number
  count: number
}

/** What a page of the dashboard's lists reads (see PAGE in scripts.ts). */
export interface PageQuery {
  /** The highest number to read; -1: from the newest. */
  cursor: number
  limit: number
  /** At most this many candidates are read. */
  budget: number
  /** Groups of sorted sets: a record is listed when it is in one set of every group. */
  g: string[][]
  /** A text search: the text set and the lowercased prefix. */
  x?: [string, string] | undefined
  /** Events at or after this sandbox time only. */
  t?: number | undefined
  /** The set of every record (the total). */
  all: string
}

/** The idempotency answer a unit commits with its change: [key, merchant, fp, at, sc, ct, body]. */
export type IdemAnswer = [string, string, string, number, number, string, string]

export interface TransactOptions {
  window?: Window | undefined
  /** A due-timer run: the resource's schedule and claim are written even when nothing changed. */
  timer?: boolean | undefined
  /** After the step, the idempotency answer its result is (committed with it). */
  respond?: ((result: unknown) => IdemAnswer | undefined) | undefined
}

interface Script {
  src: string
  sha: string
}
const scripts = new Map<string, Script>()
const script = (src: string): Script => {
  let s = scripts.get(src)
  if (!s) scripts.set(src, (s = { src, sha: createHash('sha1').update(src).digest('hex') }))
  return s
}
const SCRIPTS = {
  load: script(S.LOAD),
  window: script(S.WINDOW),
  commit: script(S.COMMIT),
  claim: script(S.CLAIM),
  attempted: script(S.ATTEMPTED),
  release: script(S.RELEASE),
  idemBegin: script(S.IDEM_BEGIN),
  idemEnd: script(S.IDEM_END),
  reset: script(S.RESET),
  advance: script(S.ADVANCE),
  forget: script(S.FORGET),
  page: script(S.PAGE),
  replayed: script(S.REPLAYED),
  feed: script(S.FEED),
  hold: script(S.HOLD),
  unpark: script(S.UNPARK),
}

/** What retention counts as a finished agreement, as memory mode does. */
const FINISHED_AGREEMENT = new Set(['FAILED', 'REVOKED_BY_CONSUMER', 'REVOKED_BY_MERCHANT', 'REVOKED_BY_PROVIDER'])

/** Retries of one unit of work before it answers 503: conflicts come only from other replicas. */
const MAX_RETRIES = 32
/** Idempotency answers are kept 24 hours of sandbox time; Redis forgets them after that much real time at most. */
const IDEM_TTL_MS = 24 * 3_600_000
const CLAIM_BATCH = 100
/** Subjects and retries a replica sends at once. */
const SENDS_IN_FLIGHT = 64

/** Redis did not answer at start: the replica refuses to start rather than serve without its state. */
export class RedisUnreachableError extends Error {
  override name = 'RedisUnreachableError'
}

export class ConflictError extends Error {
  readonly statusCode = 503
  constructor() {
    super(`the change conflicted with other replicas ${MAX_RETRIES} times in a row; try again`)
  }
}

/**
 * One sandbox replica on a shared Redis. Every operation is a unit of work: load what it touches with
 * its version (one script), run the unchanged synchronous domain step on those fresh copies, then commit
 * documents, events (the webhook outbox), each resource's next due time and the idempotency answer in
 * one script with compare-and-set, again from the load on a conflict. A queue per resource inside the
 * replica keeps conflicts to those between replicas. Due timers and webhooks are claimed with a lease
 * by one replica at a time; the sandbox clock's offset lives in Redis.
 */
export class Replica {
  readonly store = new UnitStore()
  /** The sandbox clock's base: Redis's time while a unit runs, so every replica reads one clock. */
  readonly clock: PinnableClock
  readonly id = randomBytes(4).toString('hex')
  /** Units run again after a conflict (tests and the bench read it). */
  conflicts = 0
  readonly #o: ReplicaOptions
  readonly #p: string
  readonly #redis: Redis
  readonly #sub: Redis
  readonly #queues = new Map<string, Promise<void>>()
  #sandbox: Sandbox | undefined
  #observer: SandboxObserver | undefined
  #resetListeners: Array<(merchantId: string) => void> = []
  #poll: NodeJS.Timeout | undefined
  #sweeper: NodeJS.Timeout | undefined
  #polling = false
  #sending = 0
  #closed = false
  readonly #inFlight = new Set<Promise<unknown>>()
  /** Fault rules in Redis, once the faults module is registered. */
  faults: SharedFaults | undefined

  private constructor(o: ReplicaOptions, redis: Redis, sub: Redis) {
    this.#o = o
    this.#p = o.prefix ?? 'pks:'
    this.#redis = redis
    this.#sub = sub
    this.clock = new PinnableClock(o.baseClock)
  }

  /** Connects (both connections answer before the sandbox is built on them). */
  static async connect(o: ReplicaOptions): Promise<Replica> {
    const opts = { lazyConnect: true, maxRetriesPerRequest: 3, connectionName: 'ppro-kakaopay-sandbox' }
    const redis = new Redis(o.url, opts)
    const sub = new Redis(o.url, opts)
    // Before the first connection a failure is the start's answer (one line); after it, a warning each.
    let first: Error | undefined
    const early = (err: Error) => (first ??= err)
    redis.on('error', early)
    sub.on('error', early)
    try {
      await Promise.all([redis.connect(), sub.connect()])
    } catch (err) {
      redis.disconnect()
      sub.disconnect()
      throw new RedisUnreachableError(`cannot reach Redis at ${redactUrl(o.url)}: ${(first ?? (err as Error)).message}`)
    }
    const log = (err: Error) => o.logger.warn({ err: err.message }, 'redis connection error')
    for (const c of [redis, sub]) c.off('error', early).on('error', log)
    return new Replica(o, redis, sub)
  }

  /** Where every event of a step goes: into its unit, committed with it. */
  readonly outbox = (event: PproEvent): void => {
    const unit = this.store.unit
    if (!unit) throw new Error(`event ${event.type} published outside a unit of work`)
    unit.events.push(event)
  }

  /**
   * Starts the shared clock's and resets' subscriptions, the shared event feed, and the pollers of due
   * timers and webhooks.
   */
  async attach(sandbox: Sandbox, observer: SandboxObserver | undefined, feed?: Feed): Promise<void> {
    this.#sandbox = sandbox
    this.#observer = observer
    const channel = `${this.#p}bus`
    const feedChannel = `${this.#p}feed`
    const append = feed && this.#shareFeed(feed, feedChannel)
    this.#sub.on('message', (ch: string, message: string) => {
      if (ch === feedChannel) {
        const at = message.indexOf(' ')
        const seq = Number(message.slice(0, at))
        const [merchantId, m, started, bodies] = JSON.parse(message.slice(at + 1)) as [string, FeedMessage, number, RequestBodies | null]
        append?.(merchantId, { ...m, seq: 0 }, { started, bodies: bodies ?? undefined, seq })
        return
      }
      const [what, arg = ''] = message.split(' ', 2) as [string, string?]
      if (what === 'clock') sandbox.clock.setOffset(Number(arg))
      else if (what === 'reset') for (const l of this.#resetListeners) l(arg)
      else if (what === 'faults') void this.faults?.reload(arg).catch(() => undefined)
    })
    await this.#sub.subscribe(channel, feedChannel)
    const off = Number((await this.#redis.get(`${this.#p}clock`)) ?? 0)
    sandbox.clock.setOffset(off)
    this.#poll = setInterval(() => void this.pollOnce(), this.#o.pollMs)
    this.#poll.unref()
    const r = this.#o.retention
    if (r) {
      this.#sweeper = setInterval(() => void this.sweep().catch(() => undefined), r.sweepSeconds * 1000)
      this.#sweeper.unref()
    }
  }

  /**
   * Every replica's feed shows every replica's work, under the same numbers: each message a replica
   * appends (requests, events, attempts, clock moves) is numbered by Redis (one script: INCR, then
   * PUBLISH) and appended by every replica, this one included, as it arrives, in Redis's order. So a
   * `Last-Event-ID` from any replica resumes on any other. The script is not awaited: no reply waits
   * for the feed. Pub/sub is fire-and-forget: a replica that is reconnecting misses what was published
   * meanwhile (its feed of that merchant then starts again at the next number).
   */
  #shareFeed(feed: Feed, channel: string): Feed['append'] {
    const append = feed.append.bind(feed)
    feed.append = (merchantId, message, extra = {}) => {
      if (!this.#closed) {
        const out = JSON.stringify([merchantId, message, extra.started ?? Date.now(), extra.bodies ?? null])
        this.#run(SCRIPTS.feed, [channel, merchantId, out]).catch(() => undefined)
      }
      return message as unknown as FeedMessage
    }
    return append
  }

  /**
   * Fault rules shared by every replica (src/redis/faults.ts): the faults module hands its store over
   * when it is registered, and this replica loads every merchant's rules into it.
   */
  async shareFaults(store: FaultStore): Promise<SharedFaults> {
    const redis = this.#redis
    const p = this.#p
    const faults = new SharedFaults(store, {
      run: (src, args) => this.#run(script(src), args),
      hgetall: (key) => redis.hgetall(p + key),
      hget: (key, field) => redis.hget(p + key, field),
      hincrby: (key, field, by) => redis.hincrby(p + key, field, by),
      smembers: (key) => redis.smembers(p + key),
      tell: async (what, arg) => void (await redis.publish(`${p}bus`, `${what} ${arg}`)),
      now: () => this.now(),
    })
    this.faults = faults
    await faults.loadAll()
    return faults
  }

  /**
   * `SEED_DIR` on replicas: every replica takes the files' merchant settings (its own configuration);
   * their charges are created once for all replicas, by the first to start on this Redis (a flag,
   * `seeded`), in one unit of work. Redis started empty again seeds again.
   */
  async seedOnce(
    files: readonly SeedFile[],
    apply: (files: readonly SeedFile[]) => { files: number; charges: number },
  ): Promise<{ files: number; charges: number }> {
    const first = (await this.#redis.set(`${this.#p}seeded`, this.id, 'NX')) === 'OK'
    if (!first) return apply(files.map((f) => ({ ...f, charges: [] })))
    try {
      return await this.transact([], () => {
        try {
          return apply(files)
        } catch (err) {
          // A seed the domain refuses stores none of its charges (the start fails, as in memory mode).
          const unit = this.store.unit!
          unit.inserted.length = 0
          unit.events.length = 0
          throw err
        }
      })
    } catch (err) {
      await this.#redis.del(`${this.#p}seeded`)
      throw err
    }
  }

  /** The demo shop's state in Redis, for every replica (src/redis/demo.ts). */
  shop(): SharedShop {
    const redis = this.#redis
    const p = this.#p
    return sharedShop({
      setNx: async (key, value, ms) => (await redis.set(p + key, value, 'PX', ms, 'NX')) === 'OK',
      get: async (key) => (await redis.get(p + key)) ?? undefined,
      set: async (key, value) => void (await redis.set(p + key, value)),
      run: (src, args) => this.#run(script(src), args),
    })
  }

  /** Runs after every merchant reset, on every replica (a local feed, journal or cache forgets the merchant). */
  onReset(listener: (merchantId: string) => void): void {
    this.#resetListeners.push(listener)
  }

  status(): ReplicaStatus {
    return { mode: 'replica', replica: this.id, redis: redactUrl(this.#o.url) }
  }

  async #run(s: Script, args: Array<string | number>): Promise<any> {
    try {
      return await this.#redis.evalsha(s.sha, 0, this.#p, ...args)
    } catch (err) {
      // After a Redis restart the script cache is empty: send the script itself once.
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err
      return this.#redis.eval(s.src, 0, this.#p, ...args)
    }
  }

  /** Waits for the units of this replica already queued on these resources; the release lets the next one in. */
  async #lock(ids: readonly string[]): Promise<() => void> {
    const before = ids.map((id) => this.#queues.get(id))
    let release!: () => void
    const mine = new Promise<void>((r) => (release = r))
    for (const id of ids) this.#queues.set(id, mine)
    await Promise.all(before)
    return () => {
      release()
      for (const id of ids) if (this.#queues.get(id) === mine) this.#queues.delete(id)
    }
  }

  /**
   * Runs `step` as one unit of work on the resources `ids` names (and what they link to), then commits
   * what it did; on a conflict with another replica, loads and runs it again. A step that returns a
   * promise (an async route handler) has run its synchronous part inside the unit; its result is awaited
   * before the commit. A step that throws still commits the overdue work its load ran, then throws.
   */
  async transact<T>(ids: readonly string[], step: () => T, o: TransactOptions = {}): Promise<Awaited<T>> {
    const unique = [...new Set(ids)]
    const release = unique.length > 0 ? await this.#lock(unique) : undefined
    try {
      for (let attempt = 0; ; attempt++) {
        const unit = await this.#load(unique, o.window)
        let out: unknown
        let failed = false
        let error: unknown
        this.#enter(unit)
        try {
          this.#catchUp(unit)
          out = step()
        } catch (err) {
          failed = true
          error = err
        } finally {
          this.#leave()
        }
        if (!failed && out instanceof Promise) {
          try {
            out = await out
          } catch (err) {
            failed = true
            error = err
          }
        }
        const idem = !failed && o.respond ? o.respond(out) : undefined
        const commit = this.#commitOf(unit, unique, o.timer === true, idem)
        if (commit !== undefined && (await this.#run(SCRIPTS.commit, [commit])) !== 1) {
          this.conflicts++
          if (attempt >= MAX_RETRIES) throw new ConflictError()
          continue
        }
        const sandbox = this.#sandbox!
        for (const e of unit.events) sandbox.announce(e)
        if (failed) throw error
        return out as Awaited<T>
      }
    } finally {
      release?.()
    }
  }

  async #load(ids: readonly string[], window: Window | undefined): Promise<Unit> {
    const r = (await this.#run(SCRIPTS.load, ids as string[])) as Array<number | string>
    const unit = new Unit(Number(r[0]), Number(r[1]))
    ids.forEach((id, i) => unit.add(id, Number(r[2 + 2 * i]), String(r[3 + 2 * i])))
    if (window) {
      const w = (await this.#run(SCRIPTS.window, [window.list, window.end, window.count])) as Array<number | string>
      const list: Doc[] = new Array(Number(w[2]))
      const first = Number(w[3])
      for (let i = 4, pos = first; i + 2 < w.length; i += 3, pos++) {
        const id = String(w[i])
        unit.add(id, Number(w[i + 1]), String(w[i + 2]))
        const l = unit.loaded.get(id)
        if (l) list[pos] = l.doc
      }
      unit.lists.set(window.name, list)
    }
    // What the documents link to (a charge's session and agreement, an agreement's initial charge): a
    // step on one may read or change the other. Each is checked at its version on commit like the rest.
    const tried = new Set(ids)
    for (let round = 0; round < 2; round++) {
      const more: string[] = []
      for (const l of unit.loaded.values())
        for (const id of linksOf(l.kind, l.doc))
          if (!tried.has(id)) {
            tried.add(id)
            more.push(id)
          }
      if (more.length === 0) break
      const m = (await this.#run(SCRIPTS.load, more)) as Array<number | string>
      more.forEach((id, i) => unit.add(id, Number(m[2 + 2 * i]), String(m[3 + 2 * i])))
    }
    return unit
  }

  #enter(unit: Unit): void {
    const sandbox = this.#sandbox!
    this.store.enter(unit)
    sandbox.clock.setOffset(unit.offset)
    this.clock.pin(unit.wall + unit.offset - sandbox.clock.offsetMs)
    sandbox.scheduler.clear()
  }

  #leave(): void {
    this.store.leave()
    this.clock.pin(undefined)
    this.#sandbox!.scheduler.clear()
  }

  /**
   * Runs the loaded resources' overdue work before the step, each at its own due time: a read after a
   * deadline sees the timeout even when no replica's poller has run it yet.
   */
  #catchUp(unit: Unit): void {
    const sandbox = this.#sandbox!
    const { scheduler, clock } = sandbox
    for (const l of unit.loaded.values()) if (l.kind !== 'se') sandbox.resume(l.doc as Charge | Agreement)
    const now = unit.now
    for (let next = scheduler.peek(); next !== undefined && next <= now; next = scheduler.peek()) {
      this.clock.pin(next - clock.offsetMs)
      scheduler.runDue()
    }
    this.clock.pin(now - clock.offsetMs)
    scheduler.clear()
  }

  /**
   * When a resource next has scheduled work, from its state alone: the same rules `resume` schedules it
   * by (durable mode's restart uses them too), so where a timer is first set and where it is derived
   * cannot drift apart. -1: none.
   */
  nextDue(kind: Kind, doc: Doc): number {
    if (kind === 'se') return -1
    const { scheduler } = this.#sandbox!
    scheduler.clear()
    this.#sandbox!.resume(doc as Charge | Agreement)
    const at = scheduler.peek()
    scheduler.clear()
    return at ?? -1
  }

  #commitOf(unit: Unit, ids: readonly string[], timer: boolean, idem: IdemAnswer | undefined): string | undefined {
    const c: Array<[string, number]> = []
    type Sorted = Array<[string, string]>
    const w: Array<[string, string, string, number, string[], string, Sorted, Sorted]> = []
    const d: Array<[string, number]> = []
    const l: string[] = []
    for (const x of unit.loaded.values()) {
      c.push([x.id, x.v])
      const json = JSON.stringify(x.doc)
      const changed = json !== x.json
      if (changed) w.push([x.id, json, x.doc.merchantId, 0, [], '', ...statusMove(x)])
      if (changed || timer) {
        if (x.kind !== 'se') d.push([x.id, this.nextDue(x.kind, x.doc)])
        l.push(x.id)
      }
    }
    if (timer) for (const id of ids) if (!unit.loaded.has(id)) (d.push([id, -1]), l.push(id))
    for (const { kind, doc } of unit.inserted) {
      w.push([doc.id, JSON.stringify(doc), doc.merchantId, 1, indexesOf(kind, doc), numbered(kind), sortedIndexesOf(kind, doc), []])
      const at = this.nextDue(kind, doc)
      if (at >= 0) d.push([doc.id, at])
    }
    const e = unit.events.map((ev) => {
      const url = ev.webhooksUrl ?? this.#o.merchants.webhookUrl(ev.merchantId) ?? ''
      return [
        ev.id,
        ev.merchantId,
        ev.subject,
        url,
        eventBody(ev),
        ev.type,
        ev.time,
        url ? 'PENDING' : 'NOT_SENT',
        ev.chargeId ?? '',
        ev.agreementId ?? '',
      ]
    })
    if (w.length === 0 && e.length === 0 && !timer && !idem) return undefined
    return JSON.stringify({ c, w, e, d, l, i: idem ? [...idem, IDEM_TTL_MS] : '' })
  }

  // --- the shared clock and merchant resets -------------------------------------------------------

  /** The sandbox time now, as this replica last read the shared clock. */
  now(): number {
    return this.#sandbox!.clock.now()
  }

  /** `POST /sandbox/clock`: moves the shared clock, tells every replica, and runs what became due. */
  async advance(ms: number): Promise<{ now: string; offsetSeconds: number }> {
    const [wall, off] = (await this.#run(SCRIPTS.advance, [ms])) as [number, number]
    this.#sandbox!.clock.setOffset(Number(off))
    await this.#redis.publish(`${this.#p}bus`, `clock ${off}`)
    this.#observer?.clock(ms)
    await this.drainDue()
    return { now: new Date(Number(wall) + Number(off)).toISOString(), offsetSeconds: Number(off) / 1000 }
  }

  /** `DELETE /sandbox/data`: the merchant's data is gone from Redis, and every replica forgets what it holds of it. */
  async reset(merchantId: string): Promise<{ charges: number; agreements: number; events: number }> {
    const [charges, agreements, events] = (await this.#run(SCRIPTS.reset, [merchantId])) as number[]
    for (const l of this.#resetListeners) l(merchantId)
    await this.#redis.publish(`${this.#p}bus`, `reset ${merchantId}`)
    return { charges: Number(charges), agreements: Number(agreements), events: Number(events) }
  }

  // --- idempotency keys ---------------------------------------------------------------------------

  async idemBegin(merchantId: string, key: string, fp: string, now: number): Promise<string[]> {
    return this.#run(SCRIPTS.idemBegin, [`${merchantId}\n${key}`, merchantId, fp, now, IDEM_TTL_MS, this.#o.leaseMs])
  }

  async idemEnd(merchantId: string, key: string, fp: string, answer?: { sc: number; ct: string; body: string }): Promise<void> {
    const args: Array<string | number> = [`${merchantId}\n${key}`, fp]
    if (answer) args.push(answer.sc, answer.ct, answer.body, IDEM_TTL_MS)
    await this.#run(SCRIPTS.idemEnd, args)
  }

  // --- due timers and webhooks ---------------------------------------------------------------------

  /** One round of the poller: due timers, then owed first attempts per subject, then retries. */
  async pollOnce(): Promise<void> {
    if (this.#polling || this.#closed) return
    this.#polling = true
    const run = (async () => {
      try {
        await this.drainDue()
        await this.#webhooks()
      } catch (err) {
        if (!this.#closed) this.#o.logger.warn({ err: (err as Error).message }, 'replica poll failed')
      } finally {
        this.#polling = false
      }
    })()
    this.#track(run)
    await run
  }

  #track(p: Promise<unknown>): void {
    this.#inFlight.add(p)
    void p.finally(() => this.#inFlight.delete(p))
  }

  /** Claims due resources a batch at a time and runs each (its load runs its overdue work), until none is due. */
  async drainDue(maxRounds = 200): Promise<number> {
    let ran = 0
    for (let round = 0; round < maxRounds && !this.#closed; round++) {
      const [, ids] = (await this.#run(SCRIPTS.claim, ['due', 'due:lease', CLAIM_BATCH, this.#o.leaseMs])) as [number, string[]]
      if (ids.length === 0) break
      await Promise.all(
        ids.map((id) =>
          this.transact([id], () => undefined, { timer: true }).then(
            () => ran++,
            (err) => this.#o.logger.warn({ err: (err as Error).message, resource: id }, 'scheduled work failed; retried after the lease'),
          ),
        ),
      )
      if (ids.length < CLAIM_BATCH) break
    }
    return ran
  }

  get #lease(): number {
    // A claim must outlast the longest attempt, or a second replica would send the same event meanwhile.
    return Math.max(this.#o.leaseMs, 2 * this.#o.webhooks.timeoutMs)
  }

  /**
   * Claims owed subjects and retries up to SENDS_IN_FLIGHT at a time and starts them without waiting:
   * a receiver that hangs holds only its own subject, never the poller or the other subjects.
   */
  async #webhooks(): Promise<void> {
    const start = (p: Promise<unknown>) => {
      this.#sending++
      const run = p.catch((err) => this.#o.logger.warn({ err: (err as Error).message }, 'webhook attempt failed; retried after the lease'))
      this.#track(run.finally(() => this.#sending--))
    }
    for (const [set, lease, retry] of [
      ['wq', 'wq:lease', false],
      ['wr', 'wr:lease', true],
    ] as const) {
      const room = SENDS_IN_FLIGHT - this.#sending
      if (room <= 0 || this.#closed) return
      const [, ids] = (await this.#run(SCRIPTS.claim, [set, lease, room, this.#lease])) as [number, string[]]
      for (const id of ids) start(retry ? this.#attempt(id, '', true) : this.#subject(id))
    }
  }

  /** Sends a subject's owed first attempts in event order, one at a time, then lets the subject go. */
  async #subject(subject: string): Promise<void> {
    try {
      for (let n = 0; n < 50 && !this.#closed; n++) {
        const id = await this.#redis.lindex(`${this.#p}wq:${subject}`, 0)
        if (!id) break
        await this.#attempt(id, subject, false)
      }
    } finally {
      await this.#run(SCRIPTS.release, [subject]).catch(() => undefined)
    }
  }

  async #attempt(id: string, subject: string, retry: boolean): Promise<void> {
    const { webhooks, logger } = this.#o
    const found = (await this.#read([id]))[0]
    const d = found?.delivery
    if (!found || !d || !d.url || d.status !== 'PENDING') {
      await this.#run(SCRIPTS.attempted, [subject || d?.event.subject || '', id, '', 'skip', 0, retry ? 1 : 0])
      return
    }
    const s = subject || d.event.subject
    // Replays are not scheduled attempts: they count towards no retry and no limit (as in memory mode).
    const n = d.attempts.filter((a) => !a.replay).length + 1
    // A webhook fault rule (src/faults): one that held this event back is recorded on its attempt now.
    const fault = d.held !== undefined ? { label: d.held } : await this.#webhookFault(d, n === 1)
    if (fault?.hold !== undefined) {
      await this.#run(SCRIPTS.hold, [s, id, fault.label, fault.hold, retry ? 1 : 0, fault.reorder ? 1 : 0])
      return
    }
    const attempt = await this.#send(d.event.merchantId, d.url, found.body, fault?.kind, fault?.staleSeconds)
    if (fault) attempt.fault = fault.label
    const ok = attempt.statusCode !== undefined && attempt.statusCode >= 200 && attempt.statusCode < 300
    const outcome = ok ? 'ok' : n >= webhooks.maxAttempts ? 'fail' : 'retry'
    if (outcome === 'retry') attempt.nextAttemptAt = attempt.at + webhooks.retryBaseMs * 2 ** (n - 1)
    await this.#run(SCRIPTS.attempted, [s, id, JSON.stringify(attempt), outcome, attempt.nextAttemptAt ?? 0, retry ? 1 : 0])
    this.#observe(d, attempt, ok ? 'DELIVERED' : outcome === 'fail' ? 'FAILED' : 'PENDING')
    const log = { eventId: id, type: d.event.type, url: d.url, attempt: n, replica: this.id }
    if (ok) logger.info({ ...log, statusCode: attempt.statusCode }, 'webhook delivered')
    else logger.info({ ...log, outcome: attempt.error ?? `HTTP ${attempt.statusCode}` }, 'webhook not acknowledged')
    // What a reorder fault parked goes out behind this event of its subject.
    if (!retry && this.faults?.hasWebhookRules(d.event.merchantId)) await this.#run(SCRIPTS.unpark, [s])
    if (fault?.copy) {
      // duplicate: the same event (same id, same bytes) once more right behind it.
      const copy = await this.#send(d.event.merchantId, d.url, found.body)
      copy.replay = true
      copy.fault = fault.copy
      const copied = copy.statusCode !== undefined && copy.statusCode >= 200 && copy.statusCode < 300
      await this.#run(SCRIPTS.replayed, [id, JSON.stringify(copy), copied ? 'ok' : 'refused', d.url])
    }
  }

  /** What a webhook fault rule does to this attempt, with the labels memory mode records (src/faults/webhooks.ts). */
  async #webhookFault(
    d: Delivery,
    first: boolean,
  ): Promise<
    { label: string; hold?: number; reorder?: boolean; kind?: 'bad' | 'stale'; staleSeconds?: number; copy?: string } | undefined
  > {
    const rule = this.faults && (await this.faults.webhookRule(d.event.merchantId, d.event.type, first))
    if (!rule) return undefined
    const w = rule.webhook
    this.#o.logger.info({ eventId: d.event.id, type: d.event.type, rule: rule.id, replica: this.id }, `webhook fault injected: ${w.kind}`)
    const held = d.event.time + Math.round((w.delaySeconds ?? DEFAULT_HOLD_SECONDS) * 1000)
    switch (w.kind) {
      case 'delay':
        return { label: `delay; delaySeconds=${w.delaySeconds ?? DEFAULT_HOLD_SECONDS}; rule=${rule.id}`, hold: held }
      case 'reorder':
        return { label: `reorder; rule=${rule.id}`, hold: held, reorder: true }
      case 'duplicate':
        return { label: `duplicate; rule=${rule.id}`, copy: `duplicate; copy=2; rule=${rule.id}` }
      case 'bad-signature':
        return { label: `bad-signature; rule=${rule.id}`, kind: 'bad' }
      case 'stale-signature': {
        const staleSeconds = w.staleSeconds ?? DEFAULT_STALE_SECONDS
        return { label: `stale-signature; staleSeconds=${staleSeconds}; rule=${rule.id}`, kind: 'stale', staleSeconds }
      }
    }
  }

  /**
   * One attempt: the exact body, signed at the real time of sending, and what the receiver answered.
   * `bad`: both signatures made with a secret no merchant has; `stale`: PPRO-Signature `staleSeconds` old.
   */
  async #send(
    merchantId: string,
    url: string,
    body: string,
    fault?: 'bad' | 'stale',
    staleSeconds = DEFAULT_STALE_SECONDS,
  ): Promise<Attempt> {
    const { webhooks, merchants, transport } = this.#o
    const attempt: Attempt = { at: this.now(), durationMs: 0, signedAt: Math.floor(Date.now() / 1000) }
    const secret = fault === 'bad' ? WRONG_SECRET : merchants.webhookSecret(merchantId)
    const headers: Record<string, string> = { 'content-type': 'application/json', ...signWebhook(body, secret, attempt.signedAt) }
    if (fault === 'stale') headers['ppro-signature'] = pproSignature(body, secret, attempt.signedAt! - staleSeconds)
    const started = performance.now()
    try {
      const res = await transport({ url, body, timeoutMs: webhooks.timeoutMs, headers })
      attempt.statusCode = res.status
    } catch (err) {
      attempt.error =
        (err as Error).name === 'TimeoutError' ? 'timeout' : ((err as { cause?: { code?: string } }).cause?.code ?? String(err))
    }
    attempt.durationMs = Math.round(performance.now() - started)
    return attempt
  }

  /** The attempt is shown to the event feed (and so to every replica's), with the delivery as it now is. */
  #observe(d: Delivery, attempt: Attempt, status: DeliveryStatus): void {
    this.#observer?.attempt({ ...d, status, attempts: d.attempts.concat([attempt]) }, attempt)
  }

  /**
   * `POST /sandbox/webhooks/{id}/replay` on a replica: sends the event again now, on this replica, to
   * the URL it had (or the merchant's current one), and records the attempt as a replay, as memory
   * mode does: an acknowledged replay makes the delivery delivered; a refused one changes nothing
   * else. Answers the delivery after its attempt.
   */
  async replay(merchantId: string, eventId: string): Promise<Delivery> {
    const found = (await this.#read([eventId]))[0]
    if (!found || found.delivery.event.merchantId !== merchantId) throw refuse('notFound', 'webhook event', eventId)
    const d = found.delivery
    const url = d.url ?? this.#o.merchants.webhookUrl(merchantId)
    if (!url) return d
    const attempt = await this.#send(merchantId, url, found.body)
    attempt.replay = true
    const ok = attempt.statusCode !== undefined && attempt.statusCode >= 200 && attempt.statusCode < 300
    await this.#run(SCRIPTS.replayed, [eventId, JSON.stringify(attempt), ok ? 'ok' : 'refused', url])
    const after = { ...d, url }
    this.#observe(after, attempt, ok ? 'DELIVERED' : d.status)
    return (await this.deliveriesOf([eventId]))[0] ?? { ...after, attempts: d.attempts.concat([attempt]) }
  }

  /**
   * `GET /sandbox/webhooks` on a replica: the merchant's most recent events (every replica's), oldest
   * first, each with its delivery and attempts, as the in-process dispatcher keeps them. A charge's or
   * an agreement's are read from its own sorted set, not from the merchant's list.
   */
  async deliveries(
    merchantId: string,
    filter: { chargeId?: string | undefined; agreementId?: string | undefined; type?: string | undefined },
    limit = 10_000,
  ): Promise<Delivery[]> {
    const mk = `${this.#p}m:${merchantId}:`
    const ids =
      filter.chargeId !== undefined
        ? await this.#redis.zrange(`${mk}evc:${filter.chargeId}`, String(-limit), '-1')
        : filter.agreementId !== undefined
          ? await this.#redis.zrange(`${mk}eva:${filter.agreementId}`, String(-limit), '-1')
          : filter.type !== undefined
            ? await this.#redis.zrange(`${mk}evt:${filter.type}`, String(-limit), '-1')
            : await this.#redis.lrange(`${mk}ev`, -limit, -1)
    return (await this.deliveriesOf(ids)).filter(
      (d) =>
        (filter.chargeId === undefined || d.event.chargeId === filter.chargeId) &&
        (filter.agreementId === undefined || d.event.agreementId === filter.agreementId) &&
        (filter.type === undefined || d.event.type === filter.type),
    )
  }

  /**
   * The deliveries of these events (every replica's), in the given order, as the in-process dispatcher
   * keeps them: the event is read back from the exact body sent, so the builders of memory mode answer
   * the same. Events forgotten meanwhile are left out.
   */
  async deliveriesOf(ids: readonly string[]): Promise<Delivery[]> {
    return (await this.#read(ids)).map((x) => x.delivery)
  }

  /** Deliveries with the exact body each was sent with. */
  async #read(ids: readonly string[]): Promise<Array<{ delivery: Delivery; body: string }>> {
    if (ids.length === 0) return []
    const pipe = this.#redis.pipeline()
    for (const id of ids) {
      pipe.hmget(`${this.#p}e:${id}`, 'm', 'ty', 's', 'tm', 'st', 'u', 'c', 'a', 'b', 'hd')
      pipe.lrange(`${this.#p}e:${id}:att`, 0, -1)
    }
    const res = (await pipe.exec()) ?? []
    const out: Array<{ delivery: Delivery; body: string }> = []
    ids.forEach((id, i) => {
      const [m, ty, s, tm, st, u, c, a, b, hd] = (res[2 * i]?.[1] as Array<string | null>) ?? []
      if (!b || !m) return
      const event: PproEvent = {
        id,
        merchantId: m,
        type: ty ?? '',
        subject: s ?? '',
        time: Number(tm),
        data: (JSON.parse(b) as { data: Record<string, unknown> }).data,
        chargeId: c || undefined,
        agreementId: a || undefined,
        webhooksUrl: undefined,
      }
      const attempts = ((res[2 * i + 1]?.[1] as string[]) ?? []).map((x) => JSON.parse(x) as Attempt)
      const delivery: Delivery = { event, url: u || undefined, status: (st ?? 'NOT_SENT') as DeliveryStatus, attempts }
      if (hd) delivery.held = hd
      out.push({ delivery, body: b })
    })
    return out
  }

  /** A page of one of the dashboard's lists, from its sorted sets (see PAGE in scripts.ts). */
  async page(merchantId: string, q: PageQuery): Promise<{ total: number; next: number; ids: string[] }> {
    const { cursor, limit, budget, ...sets } = q
    const r = (await this.#run(SCRIPTS.page, [merchantId, cursor, limit, budget, JSON.stringify(sets)])) as Array<number | string>
    return { total: Number(r[0]), next: Number(r[1]), ids: r.slice(2).map(String) }
  }

  /** How many records a sorted set of a merchant's holds (`chz`: its charges). */
  async count(merchantId: string, set: string): Promise<number> {
    return this.#redis.zcard(`${this.#p}m:${merchantId}:${set}`)
  }

  /**
   * Retention on Redis, run by one replica at a time (a lock with the sweep's period as its lease): per
   * merchant, each finished charge (nothing scheduled, no first attempt owed) unchanged for `days` of
   * real time, and the finished ones beyond `maxCharges` (least recently changed first), are forgotten
   * with their events, each only at the version it was judged at; so are finished agreements unchanged
   * for `days`, as in memory mode (sessions are kept, as there). Reads a merchant's records in chunks,
   * off the request path. Returns how many were forgotten.
   */
  async sweep(): Promise<number> {
    const r = this.#o.retention
    const sandbox = this.#sandbox
    if (!r || !sandbox || this.#closed) return 0
    const lock = await this.#redis.set(`${this.#p}retention`, this.id, 'PX', r.sweepSeconds * 1000, 'NX')
    if (lock !== 'OK') return 0
    let dropped = 0
    const [wallS, micro] = await this.#redis.time()
    const wall = Number(wallS) * 1000 + Math.floor(Number(micro) / 1000)
    for (const m of await this.#redis.smembers(`${this.#p}merchants`)) {
      const finished: Array<{ id: string; v: number; rt: number; lists: string[]; sorted: Array<[string, string]> }> = []
      const len = await this.#redis.llen(`${this.#p}m:${m}:ch`)
      for (let from = 0; from < len; from += 500) {
        const ids = await this.#redis.lrange(`${this.#p}m:${m}:ch`, from, from + 499)
        const pipe = this.#redis.pipeline()
        for (const id of ids) pipe.hmget(`${this.#p}d:${id}`, 'v', 'doc', 'rt')
        const res = (await pipe.exec()) ?? []
        ids.forEach((id, i) => {
          const [v, doc, rt] = (res[i]?.[1] as Array<string | null>) ?? []
          if (!doc) return
          const charge = JSON.parse(doc) as Charge
          if (sandbox.hasScheduledWork(charge)) return
          finished.push({ id, v: Number(v), rt: Number(rt ?? 0), lists: indexesOf('ch', charge), sorted: sortedIndexesOf('ch', charge) })
        })
      }
      finished.sort((x, y) => y.rt - x.rt)
      const cutoff = wall - r.days * 86_400_000
      for (const [i, f] of finished.entries()) {
        if (i < r.maxCharges && f.rt >= cutoff) continue
        dropped += Number(await this.#run(SCRIPTS.forget, [m, f.id, f.v, JSON.stringify(f.lists), JSON.stringify(f.sorted)]))
      }
      // Finished agreements (failed or revoked: an active one can still be charged) unchanged for `days`.
      // A chunk's forgotten agreements leave the list: the next chunk starts that much earlier.
      for (let from = 0, forgotten = 0; from < (await this.#redis.llen(`${this.#p}m:${m}:ag`)); from += 500 - forgotten) {
        forgotten = 0
        const ids = await this.#redis.lrange(`${this.#p}m:${m}:ag`, from, from + 499)
        const pipe = this.#redis.pipeline()
        for (const id of ids) pipe.hmget(`${this.#p}d:${id}`, 'v', 'doc', 'rt')
        const res = (await pipe.exec()) ?? []
        for (const [i, id] of ids.entries()) {
          const [v, doc, rt] = (res[i]?.[1] as Array<string | null>) ?? []
          if (!doc || Number(rt ?? 0) >= cutoff) continue
          const agreement = JSON.parse(doc) as Agreement
          if (!FINISHED_AGREEMENT.has(agreement.status)) continue
          const args = [m, id, Number(v), JSON.stringify(['ag']), JSON.stringify(sortedIndexesOf('ag', agreement))]
          const n = Number(await this.#run(SCRIPTS.forget, args))
          forgotten += n
          dropped += n
        }
      }
    }
    if (dropped > 0) this.#o.logger.info({ dropped, replica: this.id }, 'retention forgot finished charges and agreements')
    return dropped
  }

  /** Stops polling, waits up to `graceMs` for sends in flight, and disconnects. */
  async close(graceMs: number): Promise<void> {
    this.#closed = true
    if (this.#poll) clearInterval(this.#poll)
    if (this.#sweeper) clearInterval(this.#sweeper)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([Promise.allSettled([...this.#inFlight]), new Promise((r) => (timer = setTimeout(r, graceMs)))])
    clearTimeout(timer)
    this.#sub.disconnect()
    await this.#redis.quit().catch(() => this.#redis.disconnect())
  }
}

/** A Redis URL without its password, for logs and /health. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'redis://(unparsable)'
  }
}
