import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import * as z from 'zod'
import type { Agreement, AgreementStatus } from '../../domain/agreement.js'
import { type Charge, CHARGE_STATUSES, type ChargeStatus } from '../../domain/charge.js'
import { iso } from '../../domain/clock.js'
import { refuse } from '../../domain/errors.js'
import { refundedAmount } from '../../domain/refunds.js'
import type { Sandbox } from '../../sandbox.js'
import type { Delivery } from '../../webhooks/dispatcher.js'
import { eventBody } from '../../webhooks/dispatcher.js'
import { deliveryResponse } from './sandbox-webhooks.js'

/**
 * Read endpoints the dashboard needs and the PPRO API does not have: a merchant's charges and
 * agreements filtered by status or text, and its webhook deliveries with their state, all newest first
 * in cursor pages. Every request reads at most SCAN_LIMIT records, whatever the filter, so a list of
 * a hundred thousand charges answers as fast as one of ten: a page may come back short with a
 * `nextPage` to go on from.
 */

export const SCAN_LIMIT = 10_000
const DEFAULT_LIMIT = 25
const MAX_LIMIT = 100
export const MAX_REPLAYS = 500
export const REPLAY_CONCURRENCY = 8

export const DELIVERY_STATES = ['pending', 'retrying', 'delivered', 'gave_up', 'not_sent'] as const
export type DeliveryState = (typeof DELIVERY_STATES)[number]
/** Every status of an agreement; a record, so a status added to the type must be added here. */
const AGREEMENT_STATUS_SET: Record<AgreementStatus, true> = {
  INITIALIZING: true,
  AUTHENTICATION_PENDING: true,
  AUTHORIZATION_PROCESSING: true,
  ACTIVE: true,
  REVOKED_BY_CONSUMER: true,
  REVOKED_BY_MERCHANT: true,
  REVOKED_BY_PROVIDER: true,
  FAILED: true,
}
export const AGREEMENT_STATUSES = Object.keys(AGREEMENT_STATUS_SET) as AgreementStatus[]

/** A comma-separated list of values from `allowed`, e.g. `status=CAPTURED,REFUNDED`. */
function listOf<T extends string>(allowed: readonly T[]) {
  return z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .refine((xs) => xs.every((x) => (allowed as readonly string[]).includes(x)), {
      message: `must be a comma-separated list of ${allowed.join(', ')}`,
    })
    .transform((xs) => new Set(xs as T[]))
}

const pageFields = {
  page: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
}
const ChargeListQuerySchema = z.object({
  status: listOf(CHARGE_STATUSES).optional(),
  q: z.string().max(200).optional(),
  agreementId: z.string().optional(),
  ...pageFields,
})
const AgreementListQuerySchema = z.object({
  status: listOf(AGREEMENT_STATUSES).optional(),
  q: z.string().max(200).optional(),
  ...pageFields,
})
const DeliveryListQuerySchema = z.object({
  state: listOf(DELIVERY_STATES).optional(),
  chargeId: z.string().optional(),
  agreementId: z.string().optional(),
  type: z.string().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  ...pageFields,
})
const ReplayFailedBodySchema = z.strictObject({ since: z.iso.datetime({ offset: true }) })

/** A cursor is the index, in the merchant's list (oldest first), of the next record to read going back. */
export const encodeCursor = (index: number) => Buffer.from(`i:${index}`).toString('base64url')
export function decodeCursor(page: string): number {
  const m = /^i:(\d{1,9})$/.exec(Buffer.from(page, 'base64url').toString())
  if (!m) throw refuse('badPageToken', page)
  return Number(m[1])
}

/**
 * Newest first from the cursor: up to `limit` records that `match`, reading at most `budget` of them.
 * `nextPage` is set while older records remain unread.
 */
function pageBack<T>(
  all: { readonly length: number; at(i: number): T | undefined },
  page: string | undefined,
  limit: number,
  match: (r: T) => boolean,
  budget = SCAN_LIMIT,
) {
  let i = Math.min(page === undefined ? all.length - 1 : decodeCursor(page), all.length - 1)
  const data: T[] = []
  for (let read = 0; i >= 0 && data.length < limit && read < budget; i--, read++) {
    const r = all.at(i)!
    if (match(r)) data.push(r)
  }
  return { data, nextPage: i >= 0 ? encodeCursor(i) : undefined }
}

const contains = (value: string | undefined, needle: string) => value !== undefined && value.toLowerCase().includes(needle)

/** A charge as a list row shows it: what a person scans for, not the whole PPRO object. */
export function chargeSummary(c: Charge) {
  return {
    id: c.id,
    status: c.status,
    amount: c.amount,
    currency: c.currency,
    refundedAmount: refundedAmount(c),
    merchantPaymentChargeReference: c.merchantPaymentChargeReference,
    paymentDescriptor: c.paymentDescriptor,
    consumer: { name: c.consumer.name, email: typeof c.consumer.email === 'string' ? c.consumer.email : undefined },
    agreementId: c.agreementId,
    failureCode: c.failure?.failureCode,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  }
}

export function agreementSummary(a: Agreement) {
  return {
    id: a.id,
    status: a.status,
    description: a.description,
    merchantPaymentAgreementReference: a.merchantPaymentAgreementReference,
    amount: a.amount,
    amountType: a.amountType,
    frequency: a.frequency,
    consumer: { name: a.consumer.name },
    initialPaymentChargeId: a.initialPaymentChargeId,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  }
}

/** What became of a delivery, in the words of the dashboard. */
export function deliveryState(d: Delivery): DeliveryState {
  switch (d.status) {
    case 'DELIVERED':
      return 'delivered'
    case 'FAILED':
      return 'gave_up'
    case 'NOT_SENT':
      return 'not_sent'
    default: {
      // Pending until an attempt has failed: an attempt on the wire has neither status nor error yet.
      const last = d.attempts.at(-1)
      return !last || (last.statusCode === undefined && last.error === undefined) ? 'pending' : 'retrying'
    }
  }
}

/**
 * The delivery with its state, the exact body sent, and each attempt's headers as they went out (the
 * dispatcher keeps the time each was signed at).
 */
export function deliveryDetail(sandbox: Sandbox, d: Delivery) {
  const view = deliveryResponse(d)
  return {
    ...view,
    state: deliveryState(d),
    body: eventBody(d.event),
    attempts: view.attempts.map((a, i) => ({ ...a, headers: sandbox.webhooks.headersOf(d, d.attempts[i]) })),
    /** The headers a send now would carry (for a delivery not attempted yet, and for copying as curl). */
    headers: sandbox.webhooks.headersOf(d, d.attempts.at(-1)),
  }
}

/**
 * The dashboard's reads are not the merchant's integration talking to PPRO: they stay out of the request
 * journal (and so out of timelines and the stream), or a page refreshing on a message would make one.
 * Its reads of PPRO's own routes send `Sandbox-Journal: off` to the same end.
 */
const NOT_JOURNALED = { journal: false }

export async function sandboxDashboardRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { sandbox } = fastify
  // A charge's or agreement's PPRO object is read where PPRO serves it (`GET /v1/…/{id}`), with
  // `Sandbox-Journal: off` keeping the read out of the journal (see observe/journal.ts).

  app.get('/sandbox/payment-charges', { config: NOT_JOURNALED, schema: { querystring: ChargeListQuerySchema } }, async (req) => {
    const { status, page, limit, agreementId } = req.query
    const q = req.query.q?.trim().toLowerCase() ?? ''
    const all = sandbox.chargesOf(req.merchantId)
    const exact = q.startsWith('charge_') ? sandbox.charges.findForConsumer(req.query.q!.trim()) : undefined
    if (exact && exact.merchantId === req.merchantId && (agreementId === undefined || exact.agreementId === agreementId)) {
      return { data: status && !status.has(exact.status) ? [] : [chargeSummary(exact)], total: all.length }
    }
    const result = pageBack(
      all,
      page,
      limit,
      (c) =>
        (!status || status.has(c.status as ChargeStatus)) &&
        (agreementId === undefined || c.agreementId === agreementId) &&
        (q === '' || c.id.toLowerCase().includes(q) || contains(c.merchantPaymentChargeReference, q)),
    )
    return { data: result.data.map(chargeSummary), nextPage: result.nextPage, total: all.length }
  })

  app.get('/sandbox/payment-agreements', { config: NOT_JOURNALED, schema: { querystring: AgreementListQuerySchema } }, async (req) => {
    const { status, page, limit } = req.query
    const q = req.query.q?.trim().toLowerCase() ?? ''
    const all = sandbox.agreementsOf(req.merchantId)
    const result = pageBack(
      all,
      page,
      limit,
      (a) =>
        (!status || status.has(a.status)) &&
        (q === '' || a.id.toLowerCase().includes(q) || contains(a.merchantPaymentAgreementReference, q) || contains(a.description, q)),
    )
    return { data: result.data.map(agreementSummary), nextPage: result.nextPage, total: all.length }
  })

  app.get('/sandbox/deliveries', { config: NOT_JOURNALED, schema: { querystring: DeliveryListQuerySchema } }, async (req) => {
    const { state, chargeId, agreementId, type, page, limit } = req.query
    const since = req.query.since === undefined ? -Infinity : Date.parse(req.query.since)
    const all = sandbox.webhooks.deliveriesOf(req.merchantId)
    const result = pageBack(
      all,
      page,
      limit,
      (d) =>
        d.event.time >= since &&
        (!state || state.has(deliveryState(d))) &&
        (chargeId === undefined || d.event.chargeId === chargeId) &&
        (agreementId === undefined || d.event.agreementId === agreementId) &&
        (type === undefined || d.event.type === type),
    )
    return { data: result.data.map((d) => deliveryDetail(sandbox, d)), nextPage: result.nextPage, total: all.length }
  })

  /**
   * "Replay every failed delivery since…": each delivery whose last attempt failed (still retrying, or
   * given up) and whose event happened at or after `since` (sandbox time) is sent again now, a few at a
   * time, at most MAX_REPLAYS a call; the answer is the deliveries after their new attempt.
   */
  app.post('/sandbox/webhooks/replay-failed', { schema: { body: ReplayFailedBodySchema } }, async (req) => {
    const since = Date.parse(req.body.since)
    const all = sandbox.webhooks.deliveriesOf(req.merchantId)
    const due: Delivery[] = []
    for (let i = all.length - 1, read = 0; i >= 0 && due.length < MAX_REPLAYS && read < SCAN_LIMIT; i--, read++) {
      const d = all.at(i)!
      const s = deliveryState(d)
      if (d.event.time >= since && (s === 'retrying' || s === 'gave_up')) due.push(d)
    }
    due.reverse()
    let next = 0
    const worker = async () => {
      while (next < due.length) {
        const d = due[next++]!
        await sandbox.webhooks.replay(req.merchantId, d.event.id)
      }
    }
    await Promise.all(Array.from({ length: Math.min(REPLAY_CONCURRENCY, due.length) }, worker))
    return { replayed: due.length, data: due.map((d) => deliveryDetail(sandbox, d)) }
  })
}
