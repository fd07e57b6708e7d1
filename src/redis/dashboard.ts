import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ChargeStatus } from '../domain/charge.js'
import {
  agreementSummary,
  chargeSummary,
  decodeCursor,
  deliveryDetail,
  type DeliveryState,
  encodeCursor,
  MAX_REPLAYS,
  REPLAY_CONCURRENCY,
  SCAN_LIMIT,
} from '../http/routes/sandbox-dashboard.js'
import { deliveryResponse } from '../http/routes/sandbox-webhooks.js'
import type { PageQuery, Replica } from './replica.js'

/** The dashboard's list queries as their routes' schemas parse them (sandbox-dashboard.ts). */
interface ListQuery {
  q?: string | undefined
  page?: string | undefined
  limit: number
}
interface ChargeListQuery extends ListQuery {
  status?: Set<ChargeStatus> | undefined
  agreementId?: string | undefined
}
interface AgreementListQuery extends ListQuery {
  status?: Set<string> | undefined
}
interface DeliveryListQuery extends ListQuery {
  state?: Set<DeliveryState> | undefined
  chargeId?: string | undefined
  agreementId?: string | undefined
  type?: string | undefined
  since?: string | undefined
}

type Handler = (this: FastifyInstance, req: FastifyRequest) => Promise<unknown>

/** `POST /sandbox/webhooks/replay-failed`'s body as its schema parses it. */
interface ReplayFailedBody {
  since: string
}

const cursorOf = (page: string | undefined) => (page === undefined ? -1 : decodeCursor(page))
const nextPage = (next: number) => (next >= 0 ? encodeCursor(next) : undefined)

/**
 * The dashboard's routes on a replica, by method and URL. Its lists (`/sandbox/payment-charges`,
 * `/sandbox/payment-agreements`, `/sandbox/deliveries`) are answered from Redis's sorted sets, which each commit keeps up to date with the
 * change it makes: every replica's records, newest first, the same pages, cursors and totals as memory
 * mode gives for the same records, built by the same row builders. Only a page's candidates are read.
 * The text search (`q`) finds a prefix of the id, the merchant's reference or an agreement's
 * description (memory mode finds any part of them); an exact charge id is found as in memory mode.
 */
export function replicaDashboard(replica: Replica): Record<string, Handler> {
  const { store } = replica
  return {
    async 'GET /sandbox/payment-charges'(req) {
      const query = req.query as ChargeListQuery
      const { status, agreementId } = query
      const m = req.merchantId
      const raw = query.q?.trim() ?? ''
      const q = raw.toLowerCase()
      if (q.startsWith('charge_')) {
        // An exact id answers that charge alone, as memory mode does; else the search goes on by prefix.
        const exact = await replica.transact([raw], () => {
          const c = store.getCharge(raw)
          return c && c.merchantId === m && (agreementId === undefined || c.agreementId === agreementId) ? chargeSummary(c) : undefined
        })
        if (exact) return { data: status && !status.has(exact.status) ? [] : [exact], total: await replica.count(m, 'chz') }
      }
      const g: string[][] = []
      if (status) g.push([...status].map((s) => `chs:${s}`))
      if (agreementId !== undefined) g.push([`agcz:${agreementId}`])
      const r = await replica.page(m, pageQuery(query, g, q === '' ? undefined : ['chq', q], 'chz'))
      const data = await replica.transact(r.ids, () => r.ids.flatMap((id) => store.getCharge(id) ?? []).map(chargeSummary))
      return { data, nextPage: nextPage(r.next), total: r.total }
    },

    async 'GET /sandbox/payment-agreements'(req) {
      const query = req.query as AgreementListQuery
      const q = query.q?.trim().toLowerCase() ?? ''
      const g: string[][] = query.status ? [[...query.status].map((s) => `ags:${s}`)] : []
      const r = await replica.page(req.merchantId, pageQuery(query, g, q === '' ? undefined : ['agq', q], 'agz'))
      const data = await replica.transact(r.ids, () => r.ids.flatMap((id) => store.getAgreement(id) ?? []).map(agreementSummary))
      return { data, nextPage: nextPage(r.next), total: r.total }
    },

    async 'GET /sandbox/deliveries'(req) {
      const query = req.query as DeliveryListQuery
      const g: string[][] = []
      if (query.state) g.push([...query.state].map((s) => `evs:${s}`))
      if (query.chargeId !== undefined) g.push([`evc:${query.chargeId}`])
      if (query.agreementId !== undefined) g.push([`eva:${query.agreementId}`])
      if (query.type !== undefined) g.push([`evt:${query.type}`])
      const since = query.since === undefined ? undefined : Date.parse(query.since)
      const r = await replica.page(req.merchantId, { ...pageQuery(query, g, undefined, 'evz'), t: since })
      const sandbox = this.sandbox
      const data = (await replica.deliveriesOf(r.ids)).map((d) => deliveryDetail(sandbox, d))
      return { data, nextPage: nextPage(r.next), total: r.total }
    },

    /** Sent again now by this replica, whichever replica made or first sent the event. */
    async 'POST /sandbox/webhooks/:eventId/replay'(req) {
      return deliveryResponse(await replica.replay(req.merchantId, (req.params as { eventId: string }).eventId))
    },

    /**
     * As in memory mode: the deliveries whose last attempt failed (retrying or given up), of events at
     * or after `since`, the newest MAX_REPLAYS of them, sent again oldest first a few at a time; the
     * answer is each after its new attempt.
     */
    async 'POST /sandbox/webhooks/replay-failed'(req) {
      const since = Date.parse((req.body as ReplayFailedBody).since)
      const query = { cursor: -1, limit: MAX_REPLAYS, budget: SCAN_LIMIT, g: [['evs:retrying', 'evs:gave_up']], t: since, all: 'evz' }
      const due = (await replica.page(req.merchantId, query)).ids.reverse()
      let next = 0
      const worker = async () => {
        while (next < due.length) await replica.replay(req.merchantId, due[next++]!)
      }
      await Promise.all(Array.from({ length: Math.min(REPLAY_CONCURRENCY, due.length) }, worker))
      const sandbox = this.sandbox
      return { replayed: due.length, data: (await replica.deliveriesOf(due)).map((d) => deliveryDetail(sandbox, d)) }
    },
  }
}

function pageQuery(query: ListQuery, g: string[][], x: [string, string] | undefined, all: string): PageQuery {
  return { cursor: cursorOf(query.page), limit: query.limit, budget: SCAN_LIMIT, g, x, all }
}
