import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ConsumerOutcome } from '../../domain/charge.js'
import { ID_PATTERN } from '../../domain/ids.js'
import { type CheckoutView, renderCheckout, renderNotFound } from './checkout-page.js'
import { agreementPage, chargePage } from './checkout-views.js'

/**
 * Security headers: the page is the sandbox's only HTML. Form posts redirect to the merchant's
 * returnUrl, which CSP's form-action also governs, so any http(s) target is allowed there.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'",
}

const ACTIONS = new Set(['approve', 'decline', 'cancel'])

export async function checkoutRoutes(app: FastifyInstance) {
  const { sandbox } = app
  const baseUrl = sandbox.publicBaseUrl
  // The consumer's browser posts a form; only this plugin accepts form bodies.
  await app.register(formbody, { bodyLimit: 4096 })

  const page = (reply: FastifyReply, status: number, html: string) => reply.code(status).headers(PAGE_HEADERS).send(html)
  const notFound = (reply: FastifyReply) => page(reply, 404, renderNotFound())

  /** The page's subject, by id: a charge or an agreement, of any merchant (the id is the secret). */
  const find = (
    id: string,
  ): { view: () => CheckoutView; decide: (o: ConsumerOutcome) => void; returnUrl?: string | undefined } | undefined => {
    if (!ID_PATTERN.test(id)) return undefined
    sandbox.tick()
    if (id.startsWith('charge_')) {
      const charge = sandbox.charges.findForConsumer(id)
      return (
        charge && {
          view: () => chargePage(sandbox, charge, baseUrl),
          decide: (o) => sandbox.charges.authenticate(charge, o),
          returnUrl: charge.returnUrl,
        }
      )
    }
    if (id.startsWith('agr_')) {
      const agreement = sandbox.agreements.findForConsumer(id)
      return (
        agreement && {
          view: () => agreementPage(sandbox, agreement, baseUrl),
          decide: (o) => sandbox.agreements.authenticate(agreement, o),
          returnUrl: agreement.returnUrl,
        }
      )
    }
    return undefined
  }

  app.get<{ Params: { id: string } }>('/checkout/:id', async (req, reply) => {
    const subject = find(req.params.id)
    if (!subject) return notFound(reply)
    return page(reply, 200, renderCheckout(subject.view()))
  })

  app.post<{ Params: { id: string }; Body: { action?: unknown } | undefined }>('/checkout/:id', async (req, reply) => {
    const subject = find(req.params.id)
    if (!subject) return notFound(reply)
    const action = req.body?.action
    if (typeof action !== 'string' || !ACTIONS.has(action)) {
      const view = subject.view()
      view.outcome = { tone: 'failure', title: 'Unknown choice', detail: 'Choose approve, fail or cancel.' }
      return page(reply, 400, renderCheckout(view))
    }
    subject.decide({ action } as ConsumerOutcome)
    // Without a returnUrl (a charge declined for lacking one) there is nowhere to send the consumer: show the result.
    if (!subject.returnUrl) return page(reply, 200, renderCheckout(subject.view()))
    // PPRO sends the consumer back to the returnUrl exactly as the merchant gave it.
    return reply.code(303).header('location', subject.returnUrl).header('cache-control', 'no-store').send()
  })
}
