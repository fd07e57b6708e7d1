import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import * as z from 'zod'
import { refuse } from '../domain/errors.js'
import type { Sandbox } from '../sandbox.js'
import { AgreementParamsSchema } from '../http/schemas/agreements.js'
import { ChargeParamsSchema } from '../http/schemas/charges.js'
import { Feed } from './feed.js'
import type { FeedMessage } from './messages.js'

const JournalQuerySchema = z.object({
  path: z.string().min(1).optional(),
  status: z
    .string()
    .regex(/^([1-5]\d\d|[1-5]xx)$/i, 'must be a status code (404) or a class (4xx)')
    .optional(),
  chargeId: z.string().min(1).optional(),
  agreementId: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  page: z.string().optional(),
})

/** Its own reads are not journaled: a test polling the journal would fill it with itself. */
const NOT_JOURNALED = { config: { journal: false } }

/** `{"data":[…]}` from each message's JSON, built once per message and shared with the stream. */
const dataOf = (messages: readonly FeedMessage[]) => `{"data":[${messages.map(Feed.json).join(',')}]}`

/** The request journal and the timelines of a charge or an agreement. */
export async function observeRoutes(fastify: FastifyInstance, { sandbox, feed }: { sandbox: Sandbox; feed: Feed }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()

  app.get('/sandbox/requests', { ...NOT_JOURNALED, schema: { querystring: JournalQuerySchema } }, async (req) => {
    const { page, ...q } = req.query
    const { data, next } = feed.journal(req.merchantId, { ...q, before: page === undefined ? undefined : decodePage(page) })
    return { data, nextPage: next === undefined ? undefined : encodePage(next) }
  })

  app.get(
    '/sandbox/payment-charges/:paymentChargeId/timeline',
    { ...NOT_JOURNALED, schema: { params: ChargeParamsSchema } },
    async (req, reply) => {
      const id = req.params.paymentChargeId
      const entries = feed.timeline(req.merchantId, id)
      // Unknown to this merchant (another's, or made up) is a 404, as everywhere.
      if (entries.length === 0) sandbox.charges.get(req.merchantId, id)
      return reply.type('application/json; charset=utf-8').send(dataOf(entries))
    },
  )

  app.get(
    '/sandbox/payment-agreements/:agreementId/timeline',
    { ...NOT_JOURNALED, schema: { params: AgreementParamsSchema } },
    async (req, reply) => {
      const id = req.params.agreementId
      const entries = feed.timeline(req.merchantId, id)
      if (entries.length === 0) sandbox.agreements.get(req.merchantId, id)
      return reply.type('application/json; charset=utf-8').send(dataOf(entries))
    },
  )
}

function encodePage(seq: number): string {
  return Buffer.from(`s:${seq}`).toString('base64url')
}

function decodePage(page: string): number {
  const m = /^s:(\d{1,15})$/.exec(Buffer.from(page, 'base64url').toString())
  if (!m) throw refuse('badPageToken', page)
  return Number(m[1])
}
