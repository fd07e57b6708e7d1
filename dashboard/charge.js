// One charge: what it is now (PPRO's object), its timeline, its refunds with a form, and the test
// controls that apply to its status (the page itself is detail.js).
import { post } from './api.js'
import { copyText, fill, h, toast } from './dom.js'
import { amount, chip, timeEl } from './format.js'
import { link } from './links.js'
import { detailView } from './detail.js'

const REFUND_REASONS = ['RETURN', 'DUPLICATE', 'FRAUD', 'CUSTOMER_REQUEST', 'PRE_DISPUTE', 'OTHER']

const total = (xs, keep) => xs.filter(keep).reduce((s, x) => s + x.amount, 0)

export function chargeView(container, id) {
  return detailView(container, id, {
    noun: 'charge',
    section: 'charges',
    back: 'Charges',
    api: 'payment-charges',
    idField: 'chargeId',
    renderHead,
    sideId: 'refunds',
    sideKey: (c) => [c.status, c.captures, c.refunds],
    renderSide: renderRefunds,
    idleControls: (c) => h('p', { class: 'muted' }, `A ${c.status} charge has no consumer decision left to force.`),
  })
}

function renderHead(head, c) {
  const pending = c.authenticationMethods?.[0]?.details?.requestUrl
  fill(
    head,
    h(
      'div',
      { class: 'charge-title' },
      h('h1', { id: 'charge-amount' }, amount(c.authorizations?.[0]?.amount, c.currency)),
      chip(c.status),
    ),
    h('p', { class: 'descriptor', id: 'charge-descriptor' }, c.paymentDescriptor ?? ''),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Id'),
      h(
        'dd',
        {},
        h('code', { id: 'charge-id' }, c.id),
        ' ',
        h('button', { type: 'button', class: 'btn btn-tiny', on: { click: () => copyText(c.id, 'Id copied') } }, 'Copy'),
      ),
      h('dt', {}, 'Reference'),
      h('dd', {}, c.authorizations?.[0]?.merchantPaymentChargeReference ?? '—'),
      h('dt', {}, 'Consumer'),
      h('dd', {}, [c.consumer?.name, c.consumer?.email, c.consumer?.country].filter(Boolean).join(' · ') || '—'),
      h('dt', {}, 'Created'),
      h('dd', {}, timeEl(c.createdAt)),
      c.agreementId
        ? [h('dt', {}, 'Agreement'), h('dd', {}, h('a', { href: link('agreements', c.agreementId), class: 'mono' }, c.agreementId))]
        : null,
      c.failure ? [h('dt', {}, 'Failure'), h('dd', {}, h('code', {}, c.failure.failureCode), ` ${c.failure.failureMessage ?? ''}`)] : null,
    ),
    pending
      ? h(
          'a',
          { class: 'btn btn-primary', id: 'approval-link', href: pending, target: '_blank', rel: 'noopener' },
          'Open the approval page ↗',
        )
      : null,
  )
}

function renderRefunds(refunds, c, _side, page) {
  const captured = total(c.captures ?? [], (k) => k.status === 'CAPTURED')
  const left = captured - total(c.refunds ?? [], (r) => r.status !== 'FAILED')
  const list = (c.refunds ?? []).length
    ? h(
        'ul',
        { class: 'refund-list', id: 'refund-list' },
        c.refunds.map((r) =>
          h(
            'li',
            {},
            chip(r.status),
            h('strong', {}, amount(r.amount, c.currency)),
            r.merchantRefundReference ? h('span', { class: 'ref' }, r.merchantRefundReference) : null,
            r.failure ? h('code', {}, r.failure.failureCode) : null,
            h('span', { class: 'muted' }, timeEl(r.createdAt)),
          ),
        ),
      )
    : h('p', { class: 'muted' }, captured ? 'No refunds yet.' : 'Only a captured charge can be refunded.')
  let form = null
  if (captured > 0 && left > 0) {
    const amountIn = h('input', {
      id: 'refund-amount',
      type: 'number',
      min: 1,
      max: left,
      step: 1,
      required: true,
      value: String(left),
      inputmode: 'numeric',
    })
    const ref = h('input', { id: 'refund-reference', placeholder: 'refund-1', autocomplete: 'off' })
    const reason = h(
      'select',
      { id: 'refund-reason' },
      h('option', { value: '' }, '(no reason)'),
      REFUND_REASONS.map((r) => h('option', { value: r }, r)),
    )
    form = h(
      'form',
      {
        class: 'refund-form',
        id: 'refund-form',
        on: {
          submit: async (e) => {
            e.preventDefault()
            const body = { amount: Number(amountIn.value) }
            if (ref.value.trim()) body.merchantRefundReference = ref.value.trim()
            if (reason.value) body.refundReason = reason.value
            try {
              const r = await post(`/v1/payment-charges/${encodeURIComponent(c.id)}/refunds`, body)
              toast(
                r.status === 'FAILED'
                  ? `Refund FAILED: ${r.failure?.failureCode}`
                  : `Refund of ${amount(r.amount, c.currency)}: ${r.status}`,
                r.status === 'FAILED' ? 'error' : 'ok',
              )
            } catch (err) {
              toast(err.message, 'error')
            }
            await page.reload()
          },
        },
      },
      h('label', { for: 'refund-amount' }, `Amount (${left.toLocaleString('en-US')} left)`),
      h(
        'div',
        { class: 'inline' },
        amountIn,
        h('button', { type: 'button', class: 'btn btn-small', on: { click: () => (amountIn.value = String(left)) } }, 'All'),
      ),
      h('label', { for: 'refund-reference' }, 'Merchant refund reference'),
      ref,
      h('label', { for: 'refund-reason' }, 'Reason'),
      reason,
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'refund-submit' }, 'Refund'),
    )
  }
  fill(refunds, h('h2', {}, 'Refunds'), list, form)
}
