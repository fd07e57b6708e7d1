import type { Agreement } from '../../domain/agreement.js'
import type { Charge } from '../../domain/charge.js'
import type { Sandbox } from '../../sandbox.js'
import type { CheckoutView } from './checkout-page.js'
import { formatAmount } from './html.js'

/** The look of the payment method's checkout, from its fixture (KakaoPay's yellow). */
function pageBase(sandbox: Sandbox, paymentMethod: string) {
  const method = sandbox.methods.get(paymentMethod)
  const look = method?.checkoutPage
  return {
    look,
    base: {
      brandColor: look?.brandColor ?? '#FEE500',
      brandTextColor: look?.brandTextColor ?? '#191919',
      methodName: method?.displayName ?? paymentMethod,
    },
  }
}

const FREQUENCY: Record<string, [string, string]> = {
  DAILY: ['day', 'days'],
  WEEKLY: ['week', 'weeks'],
  MONTHLY: ['month', 'months'],
  YEARLY: ['year', 'years'],
}

/** The registration page of a recurring payment: what, how often, how much. */
export function agreementPage(sandbox: Sandbox, a: Agreement, baseUrl: string): CheckoutView {
  const { look, base } = pageBase(sandbox, a.paymentMethod)
  const won = (m: { value: number; currency: string }) => formatAmount(m.value, m.currency, look?.currencySuffix)
  const rows: Array<[string, string]> = [['가맹점 · Merchant', a.description ?? a.merchantPaymentAgreementReference ?? '']]
  rows.push([
    '금액 · Amount',
    !a.amount || a.amountType === 'VARIABLE' || !a.amountType
      ? a.amount
        ? `${won(a.amount)} (varies)`
        : 'Varies by payment'
      : a.amountType === 'MAX'
        ? `Up to ${won(a.amount)}`
        : won(a.amount),
  ])
  if (a.frequency) {
    const n = a.frequency.interval ?? 1
    const [one, many] = FREQUENCY[a.frequency.type]!
    rows.push(['주기 · Frequency', n === 1 ? `Every ${one}` : `Every ${n} ${many}`])
  }
  const initial = sandbox.agreements.initialCharge(a)
  if (initial) rows.push(['첫 결제 · First payment', formatAmount(initial.amount, initial.currency, look?.currencySuffix)])
  if (a.consumer.name) rows.push(['구매자 · Consumer', a.consumer.name])
  const view: CheckoutView = { ...base, heading: '정기결제 등록 · Register a recurring payment', rows }
  if (a.status === 'AUTHENTICATION_PENDING') {
    view.actionUrl = `${baseUrl}/checkout/${a.id}`
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
          : {
              tone: 'failure',
              title: '등록 실패 · Registration failed',
              detail: `Declined: ${a.failure?.failureCode ?? 'unknown reason'}.`,
            }
        : { tone: 'neutral', title: '해지됨 · Recurring payment ended', detail: `Status ${a.status}.` }
  if (a.returnUrl) view.returnUrl = a.returnUrl
  return view
}

export function chargePage(sandbox: Sandbox, c: Charge, baseUrl: string): CheckoutView {
  const { look, base } = pageBase(sandbox, c.paymentMethod)
  const rows: Array<[string, string]> = [
    ['가맹점 · Merchant', c.paymentDescriptor ?? ''],
    ['결제금액 · Amount', formatAmount(c.amount, c.currency, look?.currencySuffix)],
  ]
  if (c.consumer.name) rows.push(['구매자 · Consumer', c.consumer.name])
  const view: CheckoutView = { ...base, heading: '결제를 진행할까요? · Confirm your payment', rows }
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
