import type { Agreement } from '../domain/agreement.js'
import type { Charge } from '../domain/charge.js'
import { AgreementEvent, ChargeEvent, type PproEvent } from '../domain/events.js'
import type { Attempt, Delivery, DeliveryStatus } from '../webhooks/dispatcher.js'

/**
 * An event as the journal keeps it: what its webhook data is built from (the charge or agreement
 * it is about, its status then, the operation it concerns), and its delivery. Events build their
 * data from the resource (see PproEvent), so the record stays small and the bytes sent after a
 * restart are the bytes that would have been sent before it.
 */
export interface EventRecord {
  id: string
  type: string
  time: number
  status: string
  /** The charge (`c`) or agreement (`a`) the event is about. */
  c?: string | undefined
  a?: string | undefined
  /** The operation: `{r: id}` a capture, refund or discard of the charge; `{f: id, t, s}` a funds change; `{v}` a plain value. */
  op?: OpRecord | undefined
  url?: string | undefined
  st: DeliveryStatus
  att?: readonly Attempt[] | undefined
}

export type OpRecord = { r: string } | { f: string; t: 'CAPTURE' | 'REFUND'; s: string } | { v: unknown }

/** A delivery whose status or attempts changed after its event was recorded. */
export interface DeliveryRecord {
  id: string
  url?: string | undefined
  st: DeliveryStatus
  att?: readonly Attempt[] | undefined
}

/** A remembered answer to a `Request-Idempotency-Key`. */
export interface IdempotencyRecord {
  m: string
  k: string
  fp: string
  at: number
  sc: number
  ct: string
  body: string
}

const NO_ATTEMPTS: readonly Attempt[] = Object.freeze([])

/** An attempt counts once it has an outcome; one still in flight at a crash is made again after the restart. */
const finished = (a: Attempt) => a.statusCode !== undefined || a.error !== undefined

function attemptsOf(d: Delivery): readonly Attempt[] | undefined {
  if (d.attempts.length === 0) return undefined
  const done = d.attempts.filter(finished)
  return done.length ? done : undefined
}

function encodeOp(op: unknown): OpRecord | undefined {
  if (op === undefined) return undefined
  if (op && typeof op === 'object' && !Array.isArray(op)) {
    const o = op as { id?: unknown; operation?: { id: string }; operationType?: 'CAPTURE' | 'REFUND'; state?: string }
    if (o.operation && o.operationType && o.state) return { f: o.operation.id, t: o.operationType, s: o.state }
    if (typeof o.id === 'string') return { r: o.id }
  }
  return { v: op }
}

function operation(charge: Charge, id: string) {
  return charge.captures.find((x) => x.id === id) ?? charge.refunds.find((x) => x.id === id) ?? charge.discards.find((x) => x.id === id)
}

function decodeOp(charge: Charge | undefined, op: OpRecord | undefined): unknown {
  if (!op) return undefined
  if ('v' in op) return op.v
  if (!charge) throw new Error('names an operation of an event that is not about a charge')
  if ('r' in op) {
    const found = operation(charge, op.r)
    if (!found) throw new Error(`names ${op.r}, which charge ${charge.id} does not hold`)
    return found
  }
  const found = operation(charge, op.f)
  if (!found) throw new Error(`names ${op.f}, which charge ${charge.id} does not hold`)
  return { operation: found, operationType: op.t, state: op.s }
}

export function eventRecord(d: Delivery): EventRecord {
  const e = d.event as PproEvent & { charge?: Charge; agreement?: Agreement; status: string; op?: unknown }
  return {
    id: e.id,
    type: e.type,
    time: e.time,
    status: e.status,
    c: e.charge?.id,
    a: e.charge ? undefined : e.agreement?.id,
    op: encodeOp(e.op),
    url: d.url,
    st: d.status,
    att: attemptsOf(d),
  }
}

/**
 * An event as a snapshot keeps it: its fields in a fixed order, and the strings of few values (type,
 * status, delivery status) as indexes in the snapshot's table of words, so a hundred thousand events
 * parse as small arrays of numbers and share one copy of each word. Its charge is the charge's
 * position among the snapshot's charges when the snapshot holds it (its id otherwise: a charge
 * created while the snapshot was written). Trailing absent fields are left out.
 */
export type PackedEvent = [
  id: string,
  type: number,
  time: number,
  status: number,
  st: number,
  c?: number | string | null,
  a?: string | null,
  op?: OpRecord | null,
  url?: string | null,
  att?: readonly Attempt[] | null,
]

export function packEvent(r: EventRecord, word: (s: string) => number, chargeAt: (id: string) => number | undefined): PackedEvent {
  const p: PackedEvent = [
    r.id,
    word(r.type),
    r.time,
    word(r.status),
    word(r.st),
    r.c === undefined ? null : (chargeAt(r.c) ?? r.c),
    r.a ?? null,
    r.op ?? null,
    r.url ?? null,
    r.att ?? null,
  ]
  while (p.length > 5 && p[p.length - 1] === null) p.pop()
  return p
}

function wordOf(words: readonly string[], i: number): string {
  const w = words[i]
  if (w === undefined) throw new Error(`names word ${i}, which the snapshot has not defined`)
  return w
}

export function unpackEvent(p: PackedEvent, words: readonly string[], charges: readonly { id: string }[]): EventRecord {
  let c = p[5] ?? undefined
  if (typeof c === 'number') {
    const charge = charges[c]
    if (charge === undefined) throw new Error(`names charge ${c} of the snapshot, which holds ${charges.length}`)
    c = charge.id
  }
  return {
    id: p[0],
    type: wordOf(words, p[1]),
    time: p[2],
    status: wordOf(words, p[3]),
    st: wordOf(words, p[4]) as DeliveryStatus,
    c,
    a: p[6] ?? undefined,
    op: p[7] ?? undefined,
    url: p[8] ?? undefined,
    att: p[9] ?? undefined,
  }
}

export function deliveryRecord(d: Delivery): DeliveryRecord {
  return { id: d.event.id, url: d.url, st: d.status, att: attemptsOf(d) }
}

/** The event and delivery a record stands for, on the restored charge or agreement. */
export function restoreDelivery(
  r: EventRecord,
  chargeOf: (id: string) => Charge | undefined,
  agreementOf: (id: string) => Agreement | undefined,
): Delivery {
  let event: ChargeEvent | AgreementEvent
  if (r.c !== undefined) {
    const charge = chargeOf(r.c)
    if (!charge) throw new Error(`event ${r.id} is about charge ${r.c}, which the journal does not hold`)
    event = new (ChargeEvent as new (...args: unknown[]) => ChargeEvent)(r.id, r.type, r.time, charge, decodeOp(charge, r.op))
  } else {
    const agreement = r.a === undefined ? undefined : agreementOf(r.a)
    if (!agreement) throw new Error(`event ${r.id} is about agreement ${String(r.a)}, which the journal does not hold`)
    event = new (AgreementEvent as new (...args: unknown[]) => AgreementEvent)(r.id, r.type, r.time, agreement, decodeOp(undefined, r.op))
  }
  // The status the resource had when the event happened, not the one it has now.
  ;(event as { status: string }).status = r.status
  // A delivery's attempts are replaced, never changed in place: one shared empty list for every delivery not tried.
  return { event, url: r.url, status: r.st, attempts: r.att ?? NO_ATTEMPTS }
}

/** Ids in a remembered answer's body (its own first): what retention looks for when it drops a resource. */
export function bodyIds(body: string): string[] {
  const ids: string[] = []
  for (const m of body.matchAll(/"id":"([^"\\]{1,200})"/g)) ids.push(m[1]!)
  return ids
}
