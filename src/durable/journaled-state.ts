import type { Agreement } from '../domain/agreement.js'
import type { Charge } from '../domain/charge.js'
import type { UnitRecord } from '../store/data-dir.js'
import type { Delivery } from '../webhooks/dispatcher.js'
import {
  type DeliveryRecord,
  deliveryRecord,
  type EventRecord,
  eventRecord,
  type IdempotencyRecord,
  type PackedEvent,
  unpackEvent,
} from './records.js'

/** Tombstones: what a unit removes (a merchant's reset, retention). */
interface Removals {
  m?: string[]
  ch?: string[]
  ag?: string[]
  idem?: Array<[merchantId: string, key: string]>
}

/** One unit of work as written: full documents and tombstones, never deltas, so replaying it twice changes nothing. */
export interface Unit extends UnitRecord {
  ch?: Charge[]
  ag?: Agreement[]
  ev?: EventRecord[]
  dl?: DeliveryRecord[]
  idem?: IdempotencyRecord[]
  /** The sandbox clock's offset, when it moved. */
  off?: number
  rm?: Removals
  /** Snapshot records: the real time each document last changed (a unit's own documents changed at its `t`). */
  rt?: Record<string, number> | number
}

/**
 * What a snapshot holds besides units: one charge (`c`) or agreement (`a`) with the real time it last
 * changed (`rt`), a run of events (`e`, packed), or words (`w`) the packed events that follow refer to.
 */
export interface SnapshotRecord extends UnitRecord {
  c?: Charge
  a?: Agreement
  rt?: number
  e?: PackedEvent[]
  w?: string[]
}

/**
 * What the turn touched, collected until the journal writes it: charges and agreements (marked by
 * the events they publish, serialised whole at the end of the turn so every change of the turn is in),
 * new events with their deliveries, deliveries whose attempts moved, answered idempotency keys, the
 * clock's offset and tombstones.
 */
export class UnitCollector {
  #charges = new Set<Charge>()
  #agreements = new Set<Agreement>()
  #newDeliveries: Delivery[] = []
  #changedDeliveries = new Set<Delivery>()
  #idem: IdempotencyRecord[] = []
  #removals: Removals | undefined
  #offset: number | undefined
  #empty = true

  constructor(
    private readonly mark: () => void,
    private readonly chargeOf: (id: string) => Charge | undefined,
  ) {}

  /** A delivery recorded (with its event) or changed; the event's charge or agreement is marked with it. */
  delivery(d: Delivery, created: boolean): void {
    if (created) {
      this.#newDeliveries.push(d)
      const e = d.event as { charge?: Charge; agreement?: Agreement }
      if (e.charge) this.#charges.add(e.charge)
      else if (e.agreement) this.agreement(e.agreement)
    } else {
      this.#changedDeliveries.add(d)
    }
    this.#touch()
  }

  agreement(a: Agreement): void {
    this.#agreements.add(a)
    // The agreement's decision is shared by its initial charge, which may change without an event of its own.
    const initial = a.initialPaymentChargeId === undefined ? undefined : this.chargeOf(a.initialPaymentChargeId)
    if (initial) this.#charges.add(initial)
    this.#touch()
  }

  idempotency(r: IdempotencyRecord): void {
    this.#idem.push(r)
    this.#touch()
  }

  offset(ms: number): void {
    this.#offset = ms
    this.#touch()
  }

  remove(what: Removals): void {
    const r = (this.#removals ??= {})
    if (what.m) (r.m ??= []).push(...what.m)
    if (what.ch) (r.ch ??= []).push(...what.ch)
    if (what.ag) (r.ag ??= []).push(...what.ag)
    if (what.idem) (r.idem ??= []).push(...what.idem)
    // Nothing of a removed resource is written after its tombstone in the same unit.
    if (what.ch) for (const c of [...this.#charges]) if (what.ch.includes(c.id)) this.#charges.delete(c)
    if (what.ag) for (const a of [...this.#agreements]) if (what.ag.includes(a.id)) this.#agreements.delete(a)
    this.#touch()
  }

  #touch(): void {
    if (this.#empty) {
      this.#empty = false
      this.mark()
    }
  }

  /** The unit of the turn, or undefined when nothing happened; starts the next one. */
  take(): Unit | undefined {
    if (this.#empty) return undefined
    const unit: Unit = {}
    // Tombstones first: a merchant reset and then new charges in the same turn keep the new ones.
    if (this.#removals) unit.rm = this.#removals
    if (this.#charges.size) unit.ch = [...this.#charges]
    if (this.#agreements.size) unit.ag = [...this.#agreements]
    if (this.#newDeliveries.length) {
      unit.ev = this.#newDeliveries.map(eventRecord)
      for (const d of this.#newDeliveries) this.#changedDeliveries.delete(d)
    }
    if (this.#changedDeliveries.size) unit.dl = [...this.#changedDeliveries].map(deliveryRecord)
    if (this.#idem.length) unit.idem = this.#idem
    if (this.#offset !== undefined) unit.off = this.#offset
    this.#charges = new Set()
    this.#agreements = new Set()
    this.#newDeliveries = []
    this.#changedDeliveries = new Set()
    this.#idem = []
    this.#removals = undefined
    this.#offset = undefined
    this.#empty = true
    return unit
  }
}

const key = (m: string, k: string) => `${m}\n${k}`

/**
 * Records in the order they were first written, found by id. A snapshot names each record once, so
 * its records are only appended; the index by id is built the first time a journal unit after it
 * needs one (to replace, update or remove a record), and a start from a snapshot alone never pays for it.
 */
class Ordered<T extends { id: string }> {
  #list: Array<T | undefined> = []
  #index: Map<string, number> | undefined
  #size = 0

  get size(): number {
    return this.#size
  }

  /** A record the snapshot names for the first time. */
  append(item: T): void {
    if (this.#index) return this.set(item)
    this.#list.push(item)
    this.#size++
  }

  /** Adds or replaces (in its place) a record. */
  set(item: T): void {
    const index = this.#indexed()
    const at = index.get(item.id)
    if (at !== undefined) {
      this.#list[at] = item
      return
    }
    index.set(item.id, this.#list.length)
    this.#list.push(item)
    this.#size++
  }

  get(id: string): T | undefined {
    const at = this.#indexed().get(id)
    return at === undefined ? undefined : this.#list[at]
  }

  delete(id: string): void {
    const index = this.#indexed()
    const at = index.get(id)
    if (at === undefined) return
    index.delete(id)
    this.#list[at] = undefined
    this.#size--
  }

  /** The records in order: the list itself while none was removed (a generator cost more than the loop over it). */
  values(): readonly T[] {
    if (this.#size === this.#list.length) return this.#list as T[]
    return this.#list.filter((item): item is T => item !== undefined)
  }

  #indexed(): Map<string, number> {
    if (this.#index) return this.#index
    const index = new Map<string, number>()
    this.#list.forEach((item, i) => {
      if (item !== undefined) index.set(item.id, i)
    })
    this.#index = index
    return index
  }
}

/**
 * The state read back from the data folder, record by record, before the sandbox is built on it:
 * documents by id (in the order they were first written, which is the order they were created),
 * events by id, remembered answers, the clock's offset and when each document last changed.
 */
export class RecoveredState {
  readonly charges = new Ordered<Charge>()
  readonly agreements = new Ordered<Agreement>()
  readonly events = new Ordered<EventRecord>()
  readonly idempotency = new Map<string, IdempotencyRecord>()
  /** Real time each charge and agreement last changed: what retention measures age by. */
  readonly touched = new Map<string, number>()
  offset = 0
  /** Each resource's events, built when the first removal needs it. */
  #eventsOf: Map<string, string[]> | undefined
  /** The words and the charges of the snapshot being read, which its packed events refer to. */
  readonly #words: string[] = []
  readonly #snapshotCharges: Charge[] = []

  apply(unit: Unit & SnapshotRecord, t: number): void {
    // A snapshot's records first: one document, a run of events, or words.
    if (unit.e !== undefined) {
      if (!Array.isArray(unit.e)) throw new Error('is not a run of packed events')
      for (const e of unit.e) {
        if (!Array.isArray(e)) throw new Error('is not a run of packed events')
        this.#event(unpackEvent(e, this.#words, this.#snapshotCharges), true)
      }
      return
    }
    if (unit.c !== undefined) {
      this.charges.append(unit.c)
      this.#snapshotCharges.push(unit.c)
      this.touched.set(unit.c.id, typeof unit.rt === 'number' ? unit.rt : t)
      return
    }
    if (unit.a !== undefined) {
      this.agreements.append(unit.a)
      this.touched.set(unit.a.id, typeof unit.rt === 'number' ? unit.rt : t)
      return
    }
    if (unit.w !== undefined) {
      for (const w of unit.w) this.#words.push(w)
      return
    }
    const rt = typeof unit.rt === 'object' ? unit.rt : undefined
    const rm = unit.rm
    if (rm) {
      for (const m of rm.m ?? []) this.#removeMerchant(m)
      for (const id of rm.ch ?? []) this.#removeResource(this.charges, id)
      for (const id of rm.ag ?? []) this.#removeResource(this.agreements, id)
      for (const [m, k] of rm.idem ?? []) this.idempotency.delete(key(m, k))
    }
    for (const c of unit.ch ?? []) {
      this.charges.set(c)
      this.touched.set(c.id, rt?.[c.id] ?? t)
    }
    for (const a of unit.ag ?? []) {
      this.agreements.set(a)
      this.touched.set(a.id, rt?.[a.id] ?? t)
    }
    for (const e of unit.ev ?? []) this.#event(e, false)
    for (const d of unit.dl ?? []) {
      const e = this.events.get(d.id)
      if (!e) continue // its resource was dropped meanwhile
      e.url = d.url
      e.st = d.st
      e.att = d.att
    }
    for (const r of unit.idem ?? []) this.idempotency.set(key(r.m, r.k), r)
    if (unit.off !== undefined && unit.off > this.offset) this.offset = unit.off
  }

  /** An event of a snapshot (named there once) or of a unit (which may name it again, with its delivery moved on). */
  #event(e: EventRecord, fromSnapshot: boolean): void {
    if (this.#eventsOf && (fromSnapshot || this.events.get(e.id) === undefined)) this.#addEventOf(e)
    if (fromSnapshot) this.events.append(e)
    else this.events.set(e)
  }

  #addEventOf(e: EventRecord): void {
    const subject = (e.c ?? e.a)!
    const list = this.#eventsOf!.get(subject)
    if (list) list.push(e.id)
    else this.#eventsOf!.set(subject, [e.id])
  }

  #removeMerchant(m: string): void {
    for (const c of [...this.charges.values()]) if (c.merchantId === m) this.#removeResource(this.charges, c.id)
    for (const a of [...this.agreements.values()]) if (a.merchantId === m) this.#removeResource(this.agreements, a.id)
    for (const [k, r] of this.idempotency) if (r.m === m) this.idempotency.delete(k)
  }

  #removeResource(records: Ordered<{ id: string }>, id: string): void {
    records.delete(id)
    this.touched.delete(id)
    if (!this.#eventsOf) {
      this.#eventsOf = new Map()
      for (const e of this.events.values()) this.#addEventOf(e)
    }
    for (const eid of this.#eventsOf.get(id) ?? []) this.events.delete(eid)
    this.#eventsOf.delete(id)
  }
}
