import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ConsumerOutcome } from '../../domain/charge.js'
import { ID_PATTERN } from '../../domain/ids.js'
import { consumerAction } from '../../observe/consumer.js'
import type { MerchantRegistry } from '../../webhooks/merchants.js'
import { renderApprovalPage, renderNotFound, type Screen } from './approval-page.js'
import { APPROVAL_SCRIPT, APPROVAL_SCRIPT_PATH, APPROVAL_SCRIPT_VERSION } from './approval-script.js'
import { type PageStatus, StatusStreams, wantsStream } from './approval-status.js'
import { agreementView, type ApprovalView, chargeView, type ViewContext } from './approval-views.js'
import { PAY_METHODS, type PayMethod, PHONE_SCRIPT, PHONE_SCRIPT_PATH, pinOutcome, renderPhonePage } from './phone-page.js'
import { qrSvg } from './qr.js'

/**
 * Security headers: the pages are the sandbox's consumer-facing HTML. Form posts redirect to the
 * merchant's returnUrl, which CSP's form-action also governs, so any http(s) target is allowed there.
 * Framing by the sandbox's own pages only (the demo's presenter screen shows the page).
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'self'; base-uri 'none'"
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': CSP,
}
/** The phone page runs one script, served by the sandbox as a file. */
const PHONE_HEADERS = { ...PAGE_HEADERS, 'content-security-policy': `${CSP}; script-src 'self'` }
/** The PC page too, and it follows its own status (`connect-src`): no inline script or handler runs on either. */
const APPROVAL_HEADERS = { ...PAGE_HEADERS, 'content-security-policy': `${CSP}; script-src 'self'; connect-src 'self'` }
const SCRIPT_HEADERS = { 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff' }

const ACTIONS = new Set(['approve', 'decline', 'cancel'])

export interface ApprovalRouteOptions {
  /** The merchants' display names. */
  merchants: MerchantRegistry
}

type Query = Record<string, string | undefined>

/** The screen a query asks for; anything unknown is the default (the QR tab). */
function screenOf(q: Query): Screen {
  const to = q.to !== undefined && /^\d{4}$/.test(q.to) ? q.to : undefined
  const from = q.from === 'talk' || q.from === 'sent' ? q.from : 'qr'
  switch (q.view) {
    case 'talk':
      return { view: 'talk' }
    case 'sent':
      return { view: 'sent', ...(to ? { to } : {}), ...(q.confirm === '1' ? { confirm: true } : {}) }
    case 'close':
      return { view: 'close', from, ...(to ? { to } : {}) }
    default:
      return { view: 'qr' }
  }
}

const methodOf = (value: unknown): PayMethod => (typeof value === 'string' && value in PAY_METHODS ? (value as PayMethod) : 'money')

/** 카톡결제's two fields: the message names what is wrong, in the page's words. */
function checkTalk(phone: string, birth: string): { phone?: string; birth?: string } {
  const errors: { phone?: string; birth?: string } = {}
  if (!/^\d*$/.test(phone)) errors.phone = '숫자만 입력해주세요 · Digits only'
  else if (!/^0\d{9,10}$/.test(phone)) errors.phone = '휴대폰 번호를 확인해주세요 · 10 or 11 digits, starting with 0'
  if (!/^\d*$/.test(birth)) errors.birth = '숫자만 입력해주세요 · Digits only'
  else if (!/^\d{6}$/.test(birth)) errors.birth = '생년월일 6자리를 입력해주세요 · 6 digits, YYMMDD'
  return errors
}

export async function approvalRoutes(app: FastifyInstance, { merchants }: ApprovalRouteOptions) {
  const { sandbox } = app
  const baseUrl = sandbox.publicBaseUrl
  // The consumer's browser posts forms; only this plugin accepts form bodies.
  await app.register(formbody, { bodyLimit: 4096 })
  const ctx: ViewContext = { sandbox, merchants, baseUrl }

  const page = (reply: FastifyReply, status: number, html: string) => reply.code(status).headers(APPROVAL_HEADERS).send(html)
  const notFound = (reply: FastifyReply) => page(reply, 404, renderNotFound())
  const redirect = (reply: FastifyReply, location: string) =>
    reply.code(303).header('location', location).header('cache-control', 'no-store').send()

  interface Subject {
    view: () => ApprovalView
    decide: (o: ConsumerOutcome) => void
    status: () => string
    merchantId: string
    returnUrl?: string | undefined
  }

  /** The page's subject, by id: a charge or an agreement, of any merchant (the id is the secret). */
  const find = (id: string): Subject | undefined => {
    if (!ID_PATTERN.test(id)) return undefined
    if (id.startsWith('charge_')) {
      const charge = sandbox.charges.findForConsumer(id)
      return (
        charge && {
          view: () => chargeView(ctx, charge),
          decide: (o) => (consumerAction(sandbox, id, o.action), sandbox.charges.authenticate(charge, o)),
          status: () => charge.status,
          merchantId: charge.merchantId,
          returnUrl: charge.returnUrl,
        }
      )
    }
    if (id.startsWith('agr_')) {
      const agreement = sandbox.agreements.findForConsumer(id)
      return (
        agreement && {
          view: () => agreementView(ctx, agreement),
          decide: (o) => (consumerAction(sandbox, id, o.action), sandbox.agreements.authenticate(agreement, o)),
          status: () => agreement.status,
          merchantId: agreement.merchantId,
          returnUrl: agreement.returnUrl,
        }
      )
    }
    return undefined
  }

  /** The QR code is drawn only where it shows: the QR tab, or behind the close dialog opened from it. */
  const approvalPage = async (view: ApprovalView, screen: Screen, notice?: ApprovalView['outcome']) => {
    const qrShown = screen.view === 'qr' || (screen.view === 'close' && screen.from === 'qr')
    return renderApprovalPage(view, screen, view.pending && qrShown ? await qrSvg(view.pending.phoneUrl) : '', notice)
  }

  /**
   * The PC page's script. The page names it with its version (`?v=`, the hash of its text): that
   * address is cached for good; any other is revalidated (its ETag).
   */
  const etag = `"${APPROVAL_SCRIPT_VERSION}"`
  app.get<{ Querystring: { v?: string } }>(APPROVAL_SCRIPT_PATH, async (req, reply) => {
    const cache = req.query.v === APPROVAL_SCRIPT_VERSION ? 'public, max-age=31536000, immutable' : 'no-cache'
    reply.headers({ ...SCRIPT_HEADERS, 'cache-control': cache, etag })
    if (req.headers['if-none-match'] === etag) return reply.code(304).send()
    return reply.send(APPROVAL_SCRIPT)
  })

  app.get(PHONE_SCRIPT_PATH, async (_req, reply) =>
    reply
      .headers({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' })
      .send(PHONE_SCRIPT),
  )

  app.get<{ Params: { id: string }; Querystring: Query }>('/checkout/:id', async (req, reply) => {
    const subject = find(req.params.id)
    if (!subject) return notFound(reply)
    if (req.query.view === undefined) consumerAction(sandbox, req.params.id, 'opened')
    return page(reply, 200, await approvalPage(subject.view(), screenOf(req.query)))
  })

  app.post<{ Params: { id: string }; Body: { action?: unknown } | undefined }>('/checkout/:id', async (req, reply) => {
    const subject = find(req.params.id)
    if (!subject) return notFound(reply)
    const action = req.body?.action
    if (typeof action !== 'string' || !ACTIONS.has(action)) {
      const notice = { tone: 'failure', title: 'Unknown choice', detail: 'Choose approve, fail or cancel.' } as const
      return page(reply, 400, await approvalPage(subject.view(), { view: 'qr' }, notice))
    }
    subject.decide({ action } as ConsumerOutcome)
    // Without a returnUrl (a charge declined for lacking one) there is nowhere to send the consumer: show the result.
    if (!subject.returnUrl) return page(reply, 200, await approvalPage(subject.view(), { view: 'qr' }))
    // PPRO sends the consumer back to the returnUrl exactly as the merchant gave it.
    return redirect(reply, subject.returnUrl)
  })

  /**
   * Where the waiting screens reload every second: once the consumer decided (on the phone, or by the
   * sandbox API), on to the returnUrl; a timeout stays here and shows itself.
   */
  app.get<{ Params: { id: string }; Querystring: Query }>('/checkout/:id/wait', async (req, reply) => {
    const subject = find(req.params.id)
    if (!subject) return notFound(reply)
    const view = subject.view()
    if (!view.pending && !view.outcome?.expired && subject.returnUrl) return redirect(reply, subject.returnUrl)
    return page(reply, 200, await approvalPage(view, screenOf(req.query)))
  })

  /** 카톡결제: the phone number and birth date the "KakaoTalk message" goes to; nothing is stored. */
  app.post<{ Params: { id: string }; Body: { phone?: unknown; birth?: unknown } | undefined }>('/checkout/:id/talk', async (req, reply) => {
    const subject = find(req.params.id)
    if (!subject) return notFound(reply)
    const phone = typeof req.body?.phone === 'string' ? req.body.phone.trim() : ''
    const birth = typeof req.body?.birth === 'string' ? req.body.birth.trim() : ''
    const view = subject.view()
    if (!view.pending) return page(reply, 200, await approvalPage(view, { view: 'qr' }))
    const errors = checkTalk(phone, birth)
    if (errors.phone || errors.birth) return page(reply, 400, await approvalPage(view, { view: 'talk', phone, birth, errors }))
    return redirect(reply, `/checkout/${view.id}?view=sent&to=${phone.slice(-4)}`)
  })

  app.get<{ Params: { id: string }; Querystring: Query }>('/checkout/:id/phone', async (req, reply) => {
    const subject = find(req.params.id)
    if (!subject) return notFound(reply)
    const method = methodOf(req.query.method)
    if (req.query.step === undefined) consumerAction(sandbox, req.params.id, 'opened')
    const html = renderPhonePage(subject.view(), req.query.step === 'pin' ? { step: 'pin', method } : { step: 'sheet', method })
    return reply.code(200).headers(PHONE_HEADERS).send(html)
  })

  /** The phone's decision: a 6-digit password (see PHONE_PINS) or the sandbox strip's action. */
  app.post<{ Params: { id: string }; Body: { pin?: unknown; action?: unknown; method?: unknown } | undefined }>(
    '/checkout/:id/phone',
    async (req, reply) => {
      const subject = find(req.params.id)
      if (!subject) return notFound(reply)
      const { pin, action } = req.body ?? {}
      let outcome: ConsumerOutcome
      if (typeof action === 'string' && ACTIONS.has(action)) outcome = { action } as ConsumerOutcome
      else if (typeof pin === 'string' && /^\d{6}$/.test(pin)) outcome = pinOutcome(pin)
      else {
        const screen = {
          step: 'pin',
          method: methodOf(req.body?.method),
          error: '비밀번호 6자리를 입력해주세요 · Enter six digits',
        } as const
        return reply.code(400).headers(PHONE_HEADERS).send(renderPhonePage(subject.view(), screen))
      }
      subject.decide(outcome)
      return redirect(reply, `/checkout/${req.params.id}/phone`)
    },
  )

  /** What the consumer's page may know of its payment (see PageStatus): a decided one's returnUrl, no more. */
  const statusOf = (subject: Subject): PageStatus => {
    const view = subject.view()
    const decided = !view.pending && !view.outcome?.expired
    return {
      id: view.id,
      status: subject.status(),
      pending: !!view.pending,
      remainingSeconds: view.pending ? Math.ceil(view.pending.remainingMs / 1000) : 0,
      remainingMs: view.pending?.remainingMs ?? 0,
      phoneUrl: view.pending?.phoneUrl ?? null,
      redirect: decided ? (subject.returnUrl ?? null) : null,
    }
  }

  // The status streams end when the server closes, so its connections can close.
  const streams = new StatusStreams(app.feed)
  app.addHook('preClose', (done) => {
    streams.endAll()
    done()
  })

  /**
   * The page's state, for the page's own script and for scripts that watch a payment: JSON, or with
   * `Accept: text/event-stream` a stream of it until decided. It needs no credentials: the id is the
   * secret, as for the page itself.
   */
  app.get<{ Params: { id: string } }>('/checkout/:id/status', async (req, reply) => {
    const id = req.params.id
    const subject = find(id)
    if (!subject) return reply.code(404).header('cache-control', 'no-store').send({ message: 'unknown payment page' })
    if (wantsStream(req.headers.accept)) {
      // Each read finds the payment again (the store may hold a new record of it), after due work ran.
      const read = () => {
        sandbox.tick()
        const now = find(id)
        return now && statusOf(now)
      }
      // Replicas read the payment from Redis each time, in a unit of work of its own (src/redis).
      const replica = app.replica
      reply.hijack()
      void streams.open(reply.raw, { id, merchantId: subject.merchantId }, replica ? () => replica.transact([id], read) : read).then(
        (opened) => {
          if (opened) return
          reply.raw.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '1' })
          reply.raw.end(JSON.stringify({ message: 'too many status streams open: read the JSON instead' }))
        },
        () => reply.raw.destroy(),
      )
      return reply
    }
    return reply.header('cache-control', 'no-store').send(statusOf(subject))
  })
}
