// One charge: what it is now (PPRO's object), its timeline, its refunds with a form, and the test
// controls that apply to its status.
import { throttled } from './live.js'
import { config, curl, get, post } from './api.js'
import { copyText, fill, h, toast } from './dom.js'
import { amount, chip, timeEl } from './format.js'
import { jsonTree } from './json.js'
import { link } from './links.js'
import { loadTimeline, renderTimeline } from './timeline.js'

const REFUND_REASONS = ['RETURN', 'DUPLICATE', 'FRAUD', 'CUSTOMER_REQUEST', 'PRE_DISPUTE', 'OTHER']
const WAITING = new Set(['AUTHENTICATION_PENDING'])

const total = (xs, keep) => xs.filter(keep).reduce((s, x) => s + x.amount, 0)

export function chargeView(container, id) {
  const path = `/v1/payment-charges/${encodeURIComponent(id)}`
  // The same PPRO object, read through the dashboard's own route so the merchant's journal stays theirs.
  const read = `/sandbox/payment-charges/${encodeURIComponent(id)}`
  const head = h('div', { class: 'charge-head' })
  const controls = h('div', { class: 'card', id: 'controls', 'aria-labelledby': 'controls-title' })
  const refunds = h('div', { class: 'card', id: 'refunds' })
  const timeline = h('div', { class: 'card', id: 'timeline-card' })
  const object = h('div', { class: 'card', id: 'object' })
  const openPaths = new Set(['$'])
  const seen = {}
  let charge
  let busy = false
  let gone = false
  let again = false

  const changed = (key, value) => {
    const json = JSON.stringify(value)
    if (seen[key] === json) return false
    seen[key] = json
    return true
  }

  fill(
    container,
    h(
      'section',
      { class: 'view view-charge' },
      h('a', { class: 'back', href: link('charges') }, '← Charges'),
      head,
      h(
        'div',
        { class: 'charge-grid' },
        h('div', { class: 'charge-main' }, timeline, object),
        h('div', { class: 'charge-side' }, controls, refunds),
      ),
    ),
  )

  async function act(label, action, body) {
    try {
      const c = await post(`/sandbox/payment-charges/${encodeURIComponent(id)}/${action}`, body)
      toast(`${label}: the charge is ${c.status}`)
    } catch (err) {
      toast(err.message, 'error')
    }
    await load()
  }

  function renderHead(c) {
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
        c.failure
          ? [h('dt', {}, 'Failure'), h('dd', {}, h('code', {}, c.failure.failureCode), ` ${c.failure.failureMessage ?? ''}`)]
          : null,
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

  function renderControls(c) {
    const title = h('h2', { id: 'controls-title' }, 'Test controls')
    if (!WAITING.has(c.status)) {
      fill(controls, title, h('p', { class: 'muted' }, `A ${c.status} charge has no consumer decision left to force.`))
      return
    }
    const code = h(
      'select',
      { id: 'decline-code', 'aria-label': 'Decline code' },
      (config.declineCodes ?? ['AUTHENTICATION_FAILED']).map((x) => h('option', { value: x }, x)),
    )
    fill(
      controls,
      title,
      h('p', { class: 'muted' }, 'Decide for the consumer, as the approval page would.'),
      h(
        'div',
        { class: 'buttons' },
        h(
          'button',
          { type: 'button', class: 'btn btn-primary', id: 'do-approve', on: { click: () => act('Approved', 'approve') } },
          'Approve',
        ),
        h('button', { type: 'button', class: 'btn', id: 'do-cancel', on: { click: () => act('Canceled', 'cancel') } }, 'Cancel'),
        h('button', { type: 'button', class: 'btn', id: 'do-expire', on: { click: () => act('Expired', 'expire') } }, 'Expire now'),
      ),
      h(
        'div',
        { class: 'decline' },
        code,
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-danger-ghost',
            id: 'do-decline',
            on: { click: () => act('Declined', 'decline', { failureCode: code.value }) },
          },
          'Decline',
        ),
      ),
    )
  }

  function renderRefunds(c) {
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
                const r = await post(`${path}/refunds`, body)
                toast(
                  r.status === 'FAILED'
                    ? `Refund FAILED: ${r.failure?.failureCode}`
                    : `Refund of ${amount(r.amount, c.currency)}: ${r.status}`,
                  r.status === 'FAILED' ? 'error' : 'ok',
                )
              } catch (err) {
                toast(err.message, 'error')
              }
              await load()
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

  function renderObject(c) {
    fill(
      object,
      h(
        'div',
        { class: 'card-head' },
        h('h2', {}, 'PPRO object'),
        h(
          'button',
          { type: 'button', class: 'btn btn-tiny', on: { click: () => copyText(curl('GET', path), 'curl copied') } },
          'Copy as curl',
        ),
      ),
      h('div', { class: 'json', id: 'charge-json' }, jsonTree(c, openPaths)),
    )
  }

  async function load() {
    if (busy) {
      again = true
      return
    }
    busy = true
    try {
      const [c, t] = await Promise.all([get(read), loadTimeline('payment-charges', id)])
      charge = c
      if (changed('head', c)) renderHead(c)
      if (changed('controls', c.status)) renderControls(c)
      if (changed('refunds', [c.status, c.captures, c.refunds])) renderRefunds(c)
      if (changed('object', c)) renderObject(c)
      if (changed('timeline', t)) fill(timeline, h('h2', {}, 'Timeline'), renderTimeline(t, load))
    } catch (err) {
      if (err.status === 404) {
        // Never this merchant's, or deleted by a reset: nothing more will come of it.
        gone = true
        fill(head, h('h1', {}, 'Charge not found'), h('p', { class: 'muted' }, err.message))
        for (const card of [controls, refunds, timeline, object]) card.hidden = true
      } else if (!charge) fill(head, h('h1', {}, 'Could not load the charge'), h('p', { class: 'muted' }, err.message))
      else toast(err.message, 'error')
    } finally {
      busy = false
      if (again) {
        again = false
        void load()
      }
    }
  }
  void load()

  const refreshSoon = throttled(() => void load())
  return {
    refresh(msg) {
      if (!gone && (msg.kind === 'poll' || msg.kind === 'reset' || msg.kind === 'clock' || msg.chargeId === id)) refreshSoon()
    },
  }
}
