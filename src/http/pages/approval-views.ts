import type { Agreement } from '../../domain/agreement.js'
import type { Charge } from '../../domain/charge.js'
import type { Sandbox } from '../../sandbox.js'
import type { MerchantRegistry } from '../../webhooks/merchants.js'
import { formatAmount } from './html.js'

/**
 * What the approval page (PC) and the phone approval page show of one charge or agreement; every
 * string is plain text, escaped by the renderers.
 */
export interface ApprovalView {
  id: string
  subject: 'charge' | 'agreement'
  brandColor: string
  brandTextColor: string
  methodName: string
  /** The merchant's display name (configured per merchant, default its id). */
  merchant: string
  /** What is bought: the charge's `paymentDescriptor`, the agreement's `description`. */
  item: string
  amount: string
  heading: string
  /** Further rows below merchant, item and amount. */
  rows: ReadonlyArray<readonly [label: string, value: string]>
  note?: string
  /** Present while the consumer still has to decide. */
  pending?: {
    /** The form target of the plain contract (`action=approve|decline|cancel`): the requestUrl itself. */
    actionUrl: string
    phoneUrl: string
    /** Milliseconds left on the sandbox clock before the authentication timeout. */
    remainingMs: number
  }
  outcome?: { tone: 'success' | 'failure' | 'neutral'; title: string; detail: string; expired?: boolean }
  returnUrl?: string
}

export interface ViewContext {
  sandbox: Sandbox
  merchants: MerchantRegistry
  baseUrl: string
}

/** The consumer's approval URL on a phone (the QR code's payload), on the sandbox's public URL. */
export function phoneUrl(baseUrl: string, id: string): string {
  return `${baseUrl}/checkout/${id}/phone`
}

/** The look of the payment method's checkout, from its fixture (KakaoPay's yellow). */
function pageBase(sandbox: Sandbox, paymentMethod: string) {
  const method = sandbox.methods.get(paymentMethod)
  const look = method?.checkoutPage
  return {
    suffix: look?.currencySuffix,
    brandColor: look?.brandColor ?? '#FEE500',
    brandTextColor: look?.brandTextColor ?? '#191919',
    methodName: method?.displayName ?? paymentMethod,
  }
}

const FREQUENCY: Record<string, [string, string]> = {
  DAILY: ['day', 'days'],
  WEEKLY: ['week', 'weeks'],
  MONTHLY: ['month', 'months'],
  YEARLY: ['year', 'years'],
}

function pendingOf(ctx: ViewContext, id: string, deadline: number): NonNullable<ApprovalView['pending']> {
  return {
    actionUrl: `${ctx.baseUrl}/checkout/${id}`,
    phoneUrl: phoneUrl(ctx.baseUrl, id),
    remainingMs: Math.max(0, deadline - ctx.sandbox.clock.now()),
  }
}

/** The registration page of a recurring payment: what, how often, how much. */
export function agreementView(ctx: ViewContext, a: Agreement): ApprovalView {
  const { suffix, ...look } = pageBase(ctx.sandbox, a.paymentMethod)
  const won = (m: { value: number; currency: string }) => formatAmount(m.value, m.currency, suffix)
  const amount =
    !a.amount || a.amountType === 'VARIABLE' || !a.amountType
      ? a.amount
        ? `${won(a.amount)} (varies)`
        : 'Varies by payment'
      : a.amountType === 'MAX'
        ? `Up to ${won(a.amount)}`
        : won(a.amount)
  const rows: Array<[string, string]> = []
  if (a.frequency) {
    const n = a.frequency.interval ?? 1
    const [one, many] = FREQUENCY[a.frequency.type]!
    rows.push(['주기 · Frequency', n === 1 ? `Every ${one}` : `Every ${n} ${many}`])
  }
  const initial = ctx.sandbox.agreements.initialCharge(a)
  if (initial) rows.push(['첫 결제 · First payment', formatAmount(initial.amount, initial.currency, suffix)])
  if (a.consumer.name) rows.push(['구매자 · Consumer', a.consumer.name])
  const view: ApprovalView = {
    ...look,
    id: a.id,
    subject: 'agreement',
    merchant: ctx.merchants.displayName(a.merchantId),
    item: a.description ?? a.merchantPaymentAgreementReference ?? '',
    amount,
    heading: '정기결제 등록 · Register a recurring payment',
    rows,
  }
  if (a.status === 'AUTHENTICATION_PENDING') {
    view.pending = pendingOf(ctx, a.id, ctx.sandbox.agreements.authenticationDeadline(a))
    view.note =
      'Approving lets this merchant charge your KakaoPay without asking again, as shown above, until you or the merchant cancel it.'
    return view
  }
  view.heading = '정기결제 등록 결과 · Registration result'
  view.outcome =
    a.status === 'ACTIVE'
      ? { tone: 'success', title: '등록 완료 · Recurring payment registered', detail: 'Status ACTIVE.' }
      : a.status === 'FAILED'
        ? a.failure?.failureCode === 'CANCELED_BY_CONSUMER'
          ? { tone: 'neutral', title: '등록 취소 · Registration canceled', detail: 'The registration was canceled.' }
          : a.failure?.failureCode === 'AUTHENTICATION_TIMEOUT'
            ? { tone: 'neutral', title: '시간 초과 · Registration expired', detail: '인증 시간이 초과되었습니다.', expired: true }
            : {
                tone: 'failure',
                title: '등록 실패 · Registration failed',
                detail: `Declined: ${a.failure?.failureCode ?? 'unknown reason'}.`,
              }
        : { tone: 'neutral', title: '해지됨 · Recurring payment ended', detail: `Status ${a.status}.` }
  if (a.returnUrl) view.returnUrl = a.returnUrl
  return view
}

export function chargeView(ctx: ViewContext, c: Charge): ApprovalView {
  const { suffix, ...look } = pageBase(ctx.sandbox, c.paymentMethod)
  const rows: Array<[string, string]> = []
  if (c.consumer.name) rows.push(['구매자 · Consumer', c.consumer.name])
  const view: ApprovalView = {
    ...look,
    id: c.id,
    subject: 'charge',
    merchant: ctx.merchants.displayName(c.merchantId),
    item: c.paymentDescriptor ?? '',
    amount: formatAmount(c.amount, c.currency, suffix),
    heading: '결제를 진행할까요? · Confirm your payment',
    rows,
  }
  if (c.status === 'AUTHENTICATION_PENDING') {
    view.pending = pendingOf(ctx, c.id, ctx.sandbox.charges.authenticationDeadline(c))
    view.note = 'Approve pays, Fail declines as the provider would, Cancel leaves the payment as a consumer would.'
    return view
  }
  view.heading = '결제 결과 · Payment result'
  view.outcome = outcomeOf(c)
  if (c.returnUrl) view.returnUrl = c.returnUrl
  return view
}

function outcomeOf(c: Charge): NonNullable<ApprovalView['outcome']> {
  switch (c.status) {
    case 'CAPTURED':
    case 'REFUNDED':
      return { tone: 'success', title: '결제 완료 · Payment approved', detail: `Status ${c.status}.` }
    case 'FAILED':
      return c.failure?.failureCode === 'CANCELED_BY_CONSUMER'
        ? { tone: 'neutral', title: '결제 취소 · Payment canceled', detail: 'The payment was canceled.' }
        : { tone: 'failure', title: '결제 실패 · Payment failed', detail: `Declined: ${c.failure?.failureCode ?? 'unknown reason'}.` }
    case 'DISCARDED':
      return {
        tone: 'neutral',
        title: '시간 초과 · Payment expired',
        detail: `결제 시간이 초과되었습니다. Discarded: ${c.discards[0]?.type ?? 'DISCARDED'}.`,
        expired: c.discards[0]?.type === 'AUTHENTICATION_TIMEOUT',
      }
    default:
      return { tone: 'neutral', title: '처리 중 · Processing', detail: `Status ${c.status}: the provider is still confirming the payment.` }
  }
}
