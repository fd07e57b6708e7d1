import type { FeedMessage, JournalEntry, RequestBodies, Unnumbered } from './messages.js'
import { requestJson } from './request-json.js'

export type FeedListener = (message: FeedMessage) => void

export interface SubscribeOptions {
  /** Replays the retained messages after this seq (a `Last-Event-ID`) before the live ones. */
  since?: number | undefined
}

/** What the ring keeps of every message, in full or compacted: the ids it is indexed under. */
interface Indexed {
  readonly chargeId?: string | undefined
  readonly agreementId?: string | undefined
}

/**
 * A smaller form the ring may keep of a message (an event message keeps only its event, with its reason
 * beside it), rebuilt when read: `compact` answers it, or undefined to keep the message itself.
 */
export interface Compactor {
  /** `kept` names the same charge and agreement as the message, so eviction never expands it. */
  compact(m: FeedMessage): { kept: Indexed; beside: unknown } | undefined
  isKept(entry: object): boolean
  expand(kept: object, beside: unknown, seq: number, started: number): FeedMessage
}

export interface JournalQuery {
  path?: string | undefined
  status?: string | undefined
  chargeId?: string | undefined
  agreementId?: string | undefined
  /** Only entries with a lower seq: the cursor of the previous page. */
  before?: number | undefined
  limit: number
}

/**
 * One merchant's messages: a ring of the last `capacity`, numbered without gaps, so the message with
 * seq `s` is found by arithmetic; beside each, the real time its story starts at (a request's arrival,
 * for timelines) and a request's bodies (for the journal), in arrays of their own so the message
 * objects stay as they were built. An index from each charge and agreement id to its messages' seqs,
 * and the seqs of the requests, lets timelines and journal pages read only what they return.
 */
class MerchantFeed {
  /** Each message, or the smaller form the compactor keeps of it. */
  #ring: Indexed[] = []
  #started: number[] = []
  /** A request's bodies; beside a message's smaller form, what the compactor put there. */
  #bodies: unknown[] = []
  #start = 0
  #count = 0
  nextSeq = 1
  readonly #byId = new Map<string, number[]>()
  #requests: number[] = []
  readonly listeners = new Set<FeedListener>()

  constructor(
    private readonly capacity: number,
    private readonly compactor: Compactor | undefined,
  ) {}

  get firstSeq(): number {
    return this.nextSeq - this.#count
  }

  #slot(seq: number): number {
    return seq < this.firstSeq || seq >= this.nextSeq ? -1 : (this.#start + (seq - this.firstSeq)) % this.capacity
  }

  get(seq: number): FeedMessage | undefined {
    const i = this.#slot(seq)
    return i === -1 ? undefined : this.#message(i, seq)
  }

  #message(i: number, seq: number): FeedMessage {
    const entry = this.#ring[i]!
    const c = this.compactor
    return c?.isKept(entry) ? c.expand(entry, this.#bodies[i], seq, this.#started[i]!) : (entry as FeedMessage)
  }

  started(seq: number): number {
    return this.#started[this.#slot(seq)] ?? 0
  }

  bodies(seq: number): RequestBodies | undefined {
    const i = this.#slot(seq)
    return i === -1 ? undefined : (this.#bodies[i] as RequestBodies | undefined)
  }

  append(m: FeedMessage, started: number, bodies: RequestBodies | undefined): void {
    if (this.#count === this.capacity) this.#evict()
    const at = (this.#start + this.#count) % this.capacity
    const small = bodies === undefined ? this.compactor?.compact(m) : undefined
    const entry = small ? small.kept : m
    const beside = small ? small.beside : bodies
    if (at === this.#ring.length) {
      this.#ring.push(entry)
      this.#started.push(started)
      this.#bodies.push(beside)
    } else {
      this.#ring[at] = entry
      this.#started[at] = started
      this.#bodies[at] = beside
    }
    this.#count++
    this.nextSeq++
    if (m.chargeId !== undefined) this.#index(m.chargeId, m.seq)
    if (m.agreementId !== undefined && m.agreementId !== m.chargeId) this.#index(m.agreementId, m.seq)
    if (m.kind === 'request') this.#requests.push(m.seq)
  }

  /** Seqs of an id's retained messages, oldest first. */
  seqsOf(id: string): readonly number[] {
    return this.#byId.get(id) ?? []
  }

  get requestSeqs(): readonly number[] {
    return this.#requests
  }

  clear(): void {
    this.#ring = []
    this.#started = []
    this.#bodies = []
    this.#start = 0
    this.#count = 0
    this.#byId.clear()
    this.#requests = []
  }

  #index(id: string, seq: number): void {
    const seqs = this.#byId.get(id)
    if (!seqs) this.#byId.set(id, [seq])
    // Most ids have a handful of messages: a list of the exact length while short (a push leaves room for 16 more).
    else if (seqs.length < 16) this.#byId.set(id, seqs.concat(seq))
    else seqs.push(seq)
  }

  /**
   * Drops the oldest message and its index entries (each the first of its list: lists are in seq order).
   * The entry is read as kept, without building the message again.
   */
  #evict(): void {
    const old = this.#ring[this.#start]!
    const seq = this.firstSeq
    this.#bodies[this.#start] = undefined
    this.#start = (this.#start + 1) % this.capacity
    this.#count--
    const { chargeId, agreementId } = old
    if (chargeId !== undefined) this.#unindex(chargeId, seq)
    if (agreementId !== undefined && agreementId !== chargeId) this.#unindex(agreementId, seq)
    if (this.#requests[0] === seq) this.#requests.shift()
  }

  #unindex(id: string, seq: number): void {
    const seqs = this.#byId.get(id)
    if (seqs?.[0] !== seq) return
    if (seqs.length === 1) this.#byId.delete(id)
    else seqs.shift()
  }
}

/**
 * Messages serialized in this turn of the event loop: every reader flushing in the same turn writes
 * the same text, built once; forgotten on the next turn, so no message keeps its text in memory.
 */
let jsonThisTurn: Map<FeedMessage, string> | undefined

/**
 * Everything the sandbox did, per merchant, in bounded memory: PPRO events, delivery attempts, API
 * requests, consumer actions and clock moves, as one numbered sequence that readers follow live
 * (`subscribe`) and resume (`since`). Appending is a few assignments; a message's JSON is built once,
 * when a reader or a read first needs it, and shared by all of them.
 */
export class Feed {
  readonly #merchants = new Map<string, MerchantFeed>()
  /** Listeners of every merchant's messages (a presenter's terminal). */
  readonly #everyMerchant = new Set<(message: FeedMessage, merchantId: string) => void>()
  readonly retain: number

  readonly #compactor: Compactor | undefined

  constructor(
    options: { retain: number; compactor?: Compactor | undefined },
    private readonly onListenerError: (err: unknown) => void = () => {},
  ) {
    this.retain = Math.max(1, Math.floor(options.retain))
    this.#compactor = options.compactor
  }

  #of(merchantId: string): MerchantFeed {
    let f = this.#merchants.get(merchantId)
    if (!f) {
      f = new MerchantFeed(this.retain, this.#compactor)
      this.#merchants.set(merchantId, f)
    }
    return f
  }

  /**
   * Numbers and keeps a message, and hands it to the merchant's listeners. `started`: the real time (ms)
   * its story starts at, when not now (a request's arrival); `bodies`: a request's, for the journal.
   */
  append<M extends Unnumbered>(
    merchantId: string,
    message: M,
    extra: { bodies?: RequestBodies; started?: number; seq?: number } = {},
  ): FeedMessage {
    const f = this.#of(merchantId)
    const m = message as unknown as FeedMessage
    // Numbered elsewhere (replicas on Redis number every replica's messages alike): kept in that order,
    // an old number dropped, and after a missed one the ring starts again from the new number.
    if (extra.seq !== undefined && extra.seq !== f.nextSeq) {
      if (extra.seq < f.nextSeq) return m
      f.clear()
      f.nextSeq = extra.seq
    }
    m.seq = f.nextSeq
    f.append(m, extra.started ?? Date.now(), extra.bodies)
    for (const listener of f.listeners) {
      try {
        listener(m)
      } catch (err) {
        this.onListenerError(err)
      }
    }
    for (const listener of this.#everyMerchant) {
      try {
        listener(m, merchantId)
      } catch (err) {
        this.onListenerError(err)
      }
    }
    return m
  }

  /** Calls `listener` with each new message of any merchant, and its merchant. Returns the function that stops it. */
  subscribeAll(listener: (message: FeedMessage, merchantId: string) => void): () => void {
    this.#everyMerchant.add(listener)
    return () => {
      this.#everyMerchant.delete(listener)
    }
  }

  /**
   * Calls `listener` with each new message of the merchant, after the retained ones with a seq above
   * `since` when given. Returns the function that stops it.
   */
  subscribe(merchantId: string, listener: FeedListener, options: SubscribeOptions = {}): () => void {
    const f = this.#of(merchantId)
    if (options.since !== undefined) for (const m of this.since(merchantId, options.since)) listener(m)
    f.listeners.add(listener)
    return () => {
      f.listeners.delete(listener)
    }
  }

  /** The seq of the oldest retained message (`last + 1` when none is) and of the newest (0 before any). */
  window(merchantId: string): { first: number; last: number } {
    const f = this.#merchants.get(merchantId)
    return f ? { first: f.firstSeq, last: f.nextSeq - 1 } : { first: 1, last: 0 }
  }

  /** The retained messages with a seq above `seq`, oldest first. */
  since(merchantId: string, seq: number): FeedMessage[] {
    const f = this.#merchants.get(merchantId)
    if (!f) return []
    const out: FeedMessage[] = []
    for (let s = Math.max(seq + 1, f.firstSeq); s < f.nextSeq; s++) out.push(f.get(s)!)
    return out
  }

  /**
   * Everything retained about a charge or agreement (an agreement's includes its charges'), in the
   * order it happened: by real time, a request at its arrival, so it comes before what it caused.
   */
  timeline(merchantId: string, id: string): FeedMessage[] {
    const f = this.#merchants.get(merchantId)
    if (!f) return []
    const out = f.seqsOf(id).map((seq) => ({ seq, started: f.started(seq) }))
    out.sort((a, b) => a.started - b.started || a.seq - b.seq)
    return out.map((x) => f.get(x.seq)!)
  }

  /** The merchant's requests, newest first, with their bodies; `next` is the cursor of the next page. */
  journal(merchantId: string, q: JournalQuery): { data: JournalEntry[]; next?: number } {
    const f = this.#merchants.get(merchantId)
    if (!f) return { data: [] }
    const id = q.chargeId ?? q.agreementId
    const seqs = id === undefined ? f.requestSeqs : f.seqsOf(id)
    const data: JournalEntry[] = []
    const path = q.path
    const prefix = path?.endsWith('*') ? path.slice(0, -1) : undefined
    for (let i = seqs.length - 1; i >= 0; i--) {
      const m = f.get(seqs[i]!)
      if (!m || m.kind !== 'request') continue
      if (q.before !== undefined && m.seq >= q.before) continue
      if (q.chargeId !== undefined && m.chargeId !== q.chargeId) continue
      if (q.agreementId !== undefined && m.agreementId !== q.agreementId) continue
      if (path !== undefined && (prefix === undefined ? m.path !== path : !m.path.startsWith(prefix))) continue
      if (q.status !== undefined && !statusMatches(m.status, q.status)) continue
      if (data.length === q.limit) return { data, next: data[data.length - 1]!.seq }
      data.push({ ...m, ...f.bodies(m.seq) })
    }
    return { data }
  }

  /** Forgets a merchant's messages (`DELETE /sandbox/data`). Seqs go on from where they were, so readers resume cleanly. */
  clear(merchantId: string): void {
    this.#merchants.get(merchantId)?.clear()
  }

  /** The merchants with a feed (a message, or a listener). */
  merchants(): IterableIterator<string> {
    return this.#merchants.keys()
  }

  /** How many listeners follow the merchant (stream readers and in-process subscribers). */
  listenerCount(merchantId: string): number {
    return this.#merchants.get(merchantId)?.listeners.size ?? 0
  }

  /** The message as JSON: built once for all the readers of this turn. */
  static json(message: FeedMessage): string {
    if (!jsonThisTurn) {
      jsonThisTurn = new Map()
      setImmediate(() => (jsonThisTurn = undefined))
    }
    let text = jsonThisTurn.get(message)
    if (text === undefined) {
      text = message.kind === 'request' ? requestJson(message) : JSON.stringify(message)
      jsonThisTurn.set(message, text)
    }
    return text
  }

  /** The message as one Server-Sent Events frame. */
  static frame(message: FeedMessage): string {
    return `id: ${message.seq}\nevent: ${message.kind}\ndata: ${Feed.json(message)}\n\n`
  }
}

/** `201`, or a class: `4xx`. */
function statusMatches(status: number, q: string): boolean {
  if (/^[1-5]xx$/i.test(q)) return Math.floor(status / 100) === Number(q[0])
  return String(status) === q
}
