import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Charge } from '../../domain/charge.js'
import type { ConsumerOutcome } from '../../domain/charges.js'
import { ID_PATTERN } from '../../domain/ids.js'
import type { Sandbox } from '../../domain/sandbox.js'
import { type CheckoutView, renderCheckout, renderNotFound } from './checkout-page.js'
import { formatAmount } from './html.js'

/**
 * Security headers: the page is the sandbox's only HTML. Form posts redirect to the merchant's
 * returnUrl, which CSP's form-action also governs, so any http(s) target is allowed there.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'",
}

const ACTIONS = new Set(['approve', 'decline', 'cancel'])

export async function checkoutRoutes(app: FastifyInstance, { sandbox, baseUrl }: { sandbox: Sandbox; baseUrl: string }) {
  // The consumer's browser posts a form; only this plugin accepts form bodies.
  await app.register(formbody, { bodyLimit: 4096 })

  const page = (reply: FastifyReply, status: number, html: string) => reply.code(status).headers(PAGE_HEADERS).send(html)
  const notFound = (reply: FastifyReply) => page(reply, 404, renderNotFound())

  const find = (id: string): Charge | undefined => {
    if (!ID_PATTERN.test(id) || !id.startsWith('charge_')) return undefined
    sandbox.tick()
    return sandbox.charges.findForConsumer(id)
  }

  app.get<{ Params: { id: string } }>('/checkout/:id', async (req, reply) => {
    const charge = find(req.params.id)
    if (!charge) return notFound(reply)
    return page(reply, 200, renderCheckout(chargePage(sandbox, charge, baseUrl)))
  })

  app.post<{ Params: { id: string }; Body: { action?: unknown } | undefined }>('/checkout/:id', async (req, reply) => {
    const charge = find(req.params.id)
    if (!charge) return notFound(reply)
    const action = req.body?.action
    if (typeof action !== 'string' || !ACTIONS.has(action)) {
      const view = chargePage(sandbox, charge, baseUrl)
      view.outcome = { tone: 'failure', title: 'Unknown choice', detail: 'Choose approve, fail or cancel.' }
      return page(reply, 400, renderCheckout(view))
    }
    sandbox.charges.authenticate(charge, { action } as ConsumerOutcome)
    // PPRO sends the consumer back to the returnUrl exactly as the merchant gave it.
    return reply.code(303).header('location', charge.returnUrl!).header('cache-control', 'no-store').send()
  })
}

function chargePage(sandbox: Sandbox, c: Charge, baseUrl: string): CheckoutView {
  const method = sandbox.deps.methods.get(c.paymentMethod)
  const look = method?.checkoutPage
  const rows: Array<[string, string]> = [
    ['가맹점 · Merchant', c.paymentDescriptor ?? ''],
    ['결제금액 · Amount', formatAmount(c.amount, c.currency, look?.currencySuffix)],
  ]
  if (c.consumer.name) rows.push(['구매자 · Consumer', c.consumer.name])
  const view: CheckoutView = {
    brandColor: look?.brandColor ?? '#FEE500',
    brandTextColor: look?.brandTextColor ?? '#191919',
    methodName: method?.displayName ?? c.paymentMethod,
    heading: '결제를 진행할까요? · Confirm your payment',
    rows,
  }
  if (c.status === 'AUTHENTICATION_PENDING') {
    view.actionUrl = `${baseUrl}/checkout/${c.id}`
    view.note = 'Approve pays, Fail declines as the provider would, Cancel leaves the payment as a consumer would.'
    return view
  }
  view.heading = '결제 결과 · Payment result'
  view.outcome = outcomeOf(c)
  if (c.returnUrl) view.returnUrl = c.returnUrl
  return view
}

function outcomeOf(c: Charge): NonNullable<CheckoutView['outcome']> {
  switch (c.status) {
    case 'CAPTURED':
    case 'REFUNDED':
      return { tone: 'success', title: '결제 완료 · Payment approved', detail: `Status ${c.status}.` }
    case 'FAILED':
      return c.failure?.failureCode === 'CANCELED_BY_CONSUMER'
        ? { tone: 'neutral', title: '결제 취소 · Payment canceled', detail: 'The payment was canceled.' }
        : { tone: 'failure', title: '결제 실패 · Payment failed', detail: `Declined: ${c.failure?.failureCode ?? 'unknown reason'}.` }
    case 'DISCARDED':
      return { tone: 'neutral', title: '시간 초과 · Payment expired', detail: `Discarded: ${c.discards[0]?.type ?? 'DISCARDED'}.` }
    default:
      return { tone: 'neutral', title: '처리 중 · Processing', detail: `Status ${c.status}: the provider is still confirming the payment.` }
  }
}
