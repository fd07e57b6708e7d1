import type { ServerResponse } from 'node:http'
import type { Charge } from '../domain/charge.js'
import type { Clock } from '../domain/clock.js'
import { IDEMPOTENCY_TTL_MS, IdempotencyStore, type IdempotentEntry } from '../http/idempotency-store.js'
import type { Sandbox } from '../sandbox.js'
import { type Compaction, DataDir, type RecoveryInfo } from '../store/data-dir.js'
import { exitOnJournalFailure } from '../store/journal.js'
import type { Delivery } from '../webhooks/dispatcher.js'
import type { WebhookTransport } from '../webhooks/transport.js'
import { holdUntilWritten, PinnableClock } from './hold.js'
import { type SnapshotRecord, type Unit, UnitCollector, RecoveredState } from './journaled-state.js'
import { eventRecord, type IdempotencyRecord, type PackedEvent, packEvent, restoreDelivery } from './records.js'
import type { Dropped } from './retention.js'

export interface DurableOptions {
  dataDir: string
  fsync: boolean
  compactBytes: number
  /** A failed write; by default the process says so and exits non-zero. */
  onFatal?: ((err: Error) => void) | undefined
  /** Records per snapshot write (tests make it small). */
  snapshotChunk?: number | undefined
}

/** What /health says of durable mode. */
export interface DurableStatus {
  mode: 'durable'
  dataDir: string
  dataBytes: number
  fsync: boolean
  lastCompaction: { at: string; snapshotBytes: number; records: number; durationMs: number } | null
}

/** Idempotency answers are written with the unit of the reply they answer: the entry says when it gets one. */
class JournaledIdempotency extends IdempotencyStore {
  constructor(
    ttlMs: number,
    private readonly answered: (merchantId: string, key: string, entry: IdempotentEntry) => void,
  ) {
    super(ttlMs)
  }

  override begin(merchantId: string, key: string, fingerprint: string, now: number): IdempotentEntry {
    const entry = super.begin(merchantId, key, fingerprint, now)
    let response: IdempotentEntry['response']
    const answered = this.answered
    Object.defineProperty(entry, 'response', {
      enumerable: true,
      get: () => response,
      set(r: IdempotentEntry['response']) {
        response = r
        if (r) answered(merchantId, key, entry)
      },
    })
    return entry
  }
}

/**
 * Durable mode, around the in-memory sandbox: the data folder is read back into it at start, every
 * turn's unit of work is journaled, replies and webhooks wait for their unit, and compaction keeps the
 * folder about the size of the live state. The sandbox itself does not know: it publishes events and
 * changes its records as in memory mode, and this module listens.
 */
export class Durable {
  readonly dir: DataDir
  readonly clock: PinnableClock
  readonly idempotency: IdempotencyStore
  readonly recovery: RecoveryInfo
  readonly #collector: UnitCollector
  #recovered: RecoveredState | undefined
  #sandbox: Sandbox | undefined
  #journaling = false
  #offset = 0
  readonly #fsync: boolean
  /** When a resource last changed, in real time (retention's record), for the snapshot. */
  touchedNow: ((id: string) => number | undefined) | undefined

  private constructor(opts: DurableOptions, baseClock: Clock) {
    this.#fsync = opts.fsync
    this.clock = new PinnableClock(baseClock)
    const recovered = new RecoveredState()
    this.#recovered = recovered
    let dir: DataDir | undefined
    this.#collector = new UnitCollector(
      () => dir!.writer.mark(),
      (id) => this.#sandbox?.store.getCharge(id),
    )
    dir = DataDir.open({
      dir: opts.dataDir,
      fsync: opts.fsync,
      compactBytes: opts.compactBytes,
      collect: () => this.#collector.take(),
      snapshot: () => this.#snapshot(),
      onFatal: opts.onFatal ?? exitOnJournalFailure(() => dir!.writer.path),
      snapshotChunk: opts.snapshotChunk,
    })
    this.dir = dir
    this.recovery = dir.recover((r, t) => recovered.apply(r as Unit & SnapshotRecord, t))
    this.idempotency = new JournaledIdempotency(IDEMPOTENCY_TTL_MS, (m, k, entry) => this.#answered(m, k, entry))
  }

  /** Locks the folder and reads it back (a DataDirLockedError or JournalCorruptError stops the start). */
  static open(opts: DurableOptions, baseClock: Clock): Durable {
    return new Durable(opts, baseClock)
  }

  /** Real time each recovered resource last changed, for retention. */
  get touched(): ReadonlyMap<string, number> {
    return this.#recovered?.touched ?? new Map()
  }

  /**
   * Puts the recovered state into the freshly built sandbox: records, events and deliveries, the
   * clock's offset, idempotency answers still within their time; then schedules again what was
   * pending, runs what fell due while the sandbox was down (each at its own due time, in time
   * order, journaled like any change) and queues the webhooks still owed.
   */
  attach(sandbox: Sandbox): void {
    this.#sandbox = sandbox
    const r = this.#recovered!
    this.#recovered = undefined
    const { store } = sandbox
    for (const c of r.charges.values()) store.insertCharge(normaliseCharge(c))
    for (const a of r.agreements.values()) store.insertAgreement(a)
    const deliveries: Delivery[] = []
    // A charge's events mostly follow one another: the last one found is tried first.
    let last: Charge | undefined
    const chargeOf = (id: string) => (last !== undefined && last.id === id ? last : (last = store.getCharge(id)))
    const agreementOf = (id: string) => store.getAgreement(id)
    for (const e of r.events.values()) deliveries.push(restoreDelivery(e, chargeOf, agreementOf))
    sandbox.webhooks.restore(deliveries)
    sandbox.clock.setOffset(r.offset)
    this.#offset = sandbox.clock.offsetMs
    const now = sandbox.clock.now()
    for (const rec of r.idempotency.values()) {
      if (now >= rec.at + this.idempotency.ttlMs) continue
      const entry = IdempotencyStore.prototype.begin.call(this.idempotency, rec.m, rec.k, rec.fp, rec.at)
      entry.response = { statusCode: rec.sc, contentType: rec.ct, body: rec.body }
    }
    for (const c of r.charges.values()) sandbox.resume(c)
    for (const a of r.agreements.values()) sandbox.resume(a)

    this.#journaling = true
    this.#catchUp(sandbox)
    sandbox.webhooks.resume()
  }

  /** Runs every timer already due, each with the sandbox clock reading its own due time. */
  #catchUp(sandbox: Sandbox): void {
    const { scheduler, clock } = sandbox
    const now = clock.now()
    const offset = clock.offsetMs
    for (let next = scheduler.peek(); next !== undefined && next <= now; next = scheduler.peek()) {
      this.clock.pin(next - offset)
      scheduler.runDue()
    }
    this.clock.pin(undefined)
    scheduler.runDue()
  }

  /** The dispatcher recorded a delivery (with its event) or changed one. */
  readonly recorded = (d: Delivery, created: boolean): void => {
    if (this.#journaling) this.#collector.delivery(d, created)
  }

  /** `DELETE /sandbox/data`: one tombstone for the merchant. */
  readonly reset = (merchantId: string): void => {
    this.#collector.remove({ m: [merchantId] })
  }

  readonly dropped = (d: Dropped): void => {
    this.#collector.remove({
      ch: d.charges,
      ag: d.agreements,
      idem: d.idempotencyKeys.map((k) => [d.merchantId, k] as [string, string]),
    })
  }

  #answered(m: string, k: string, entry: IdempotentEntry): void {
    if (!this.#journaling || !entry.response) return
    const { statusCode: sc, contentType: ct, body } = entry.response
    this.#collector.idempotency({ m, k, fp: entry.fingerprint, at: entry.createdAt, sc, ct, body })
  }

  /** Holds a response until its turn is written (see holdUntilWritten). */
  hold(res: ServerResponse): void {
    holdUntilWritten(res, this.dir.writer, this.#beforeReply)
  }

  readonly #beforeReply = (): void => {
    const offset = this.#sandbox?.clock.offsetMs
    if (offset !== undefined && offset !== this.#offset) {
      this.#offset = offset
      this.#collector.offset(offset)
    }
  }

  /** A webhook goes out only once the unit with its event is written. */
  transport(inner: WebhookTransport): WebhookTransport {
    const writer = () => this.dir.writer
    return async (request) => {
      await writer().written()
      return inner(request)
    }
  }

  /**
   * The whole live state as records, per merchant: its charges and agreements one record each, its
   * events in order (packed, see PackedEvent), its idempotency answers. Read across turns while the
   * state changes (see DataDir.compact).
   */
  *#snapshot(): Iterable<SnapshotRecord | Unit> {
    const sandbox = this.#sandbox
    if (!sandbox) return
    const touched = (id: string) => this.touchedNow?.(id) ?? Date.now()
    const words = new Map<string, number>()
    const fresh: string[] = []
    const word = (w: string) => {
      let i = words.get(w)
      if (i === undefined) {
        i = words.size
        words.set(w, i)
        fresh.push(w)
      }
      return i
    }
    // Each charge's position among the snapshot's charges, which its events name it by.
    const positions = new Map<string, number>()
    const chargeAt = (id: string) => positions.get(id)
    yield { off: sandbox.clock.offsetMs }
    for (const m of sandbox.merchants()) {
      for (const c of sandbox.store.chargesOf(m)) {
        positions.set(c.id, positions.size)
        yield { c, rt: touched(c.id) }
      }
      for (const a of sandbox.store.agreementsOf(m)) yield { a, rt: touched(a.id) }
      // Events in runs of EVENTS_PER_RECORD, each run one record, each event one small array.
      let e: PackedEvent[] = []
      for (const d of sandbox.webhooks.list(m)) {
        e.push(packEvent(eventRecord(d), word, chargeAt))
        if (e.length < EVENTS_PER_RECORD) continue
        if (fresh.length) yield { w: fresh.splice(0) }
        yield { e }
        e = []
      }
      if (e.length) {
        if (fresh.length) yield { w: fresh.splice(0) }
        yield { e }
      }
      const idem: IdempotencyRecord[] = []
      for (const [k, e] of this.idempotency.entries(m)) {
        if (!e.response) continue
        idem.push({
          m,
          k,
          fp: e.fingerprint,
          at: e.createdAt,
          sc: e.response.statusCode,
          ct: e.response.contentType,
          body: e.response.body,
        })
      }
      if (idem.length) yield { idem }
    }
  }

  status(): DurableStatus {
    const c: Compaction | undefined = this.dir.lastCompaction
    return {
      mode: 'durable',
      dataDir: this.dir.dir,
      dataBytes: this.dir.bytes,
      fsync: this.#fsync,
      lastCompaction: c
        ? { at: new Date(c.at).toISOString(), snapshotBytes: c.snapshotBytes, records: c.records, durationMs: c.durationMs }
        : null,
    }
  }

  async close(): Promise<void> {
    this.#beforeReply()
    await this.dir.close()
  }
}

/** Events per snapshot record: a chunk of the snapshot (a line, a turn of writing) is then at most 8,000 events. */
const EVENTS_PER_RECORD = 8

const SHARED_EMPTY: never[] = []

/** A charge read back shares the empty lists, as a new one does (a few bytes each, times every stored charge). */
function normaliseCharge(c: Charge): Charge {
  if (c.captures.length === 0) c.captures = SHARED_EMPTY
  if (c.refunds.length === 0) c.refunds = SHARED_EMPTY
  if (c.discards.length === 0) c.discards = SHARED_EMPTY
  if (c.voids.length === 0) c.voids = SHARED_EMPTY
  return c
}
