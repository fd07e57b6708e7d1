// Payment agreements (recurring payments): the list, and one agreement with its charges, timeline and controls.
import { throttled } from './live.js'
import { config, curl, get, post, query } from './api.js'
import { copyText, fill, h, toast } from './dom.js'
import { amount, chip, timeEl } from './format.js'
import { jsonTree } from './json.js'
import { link } from './links.js'
import { listView } from './list.js'
import { loadTimeline, renderTimeline } from './timeline.js'

export function agreementsView(container, params) {
  return listView(container, params, {
    id: 'agreements',
    title: 'Payment agreements',
    endpoint: '/sandbox/payment-agreements',
    statuses: config.agreementStatuses ?? [],
    searchLabel: 'Search by agreement id, reference or description',
    empty: 'No agreements yet. Create one with POST /v1/payment-agreements.',
    href: (a) => link('agreements', a.id),
    rowLabel: (a) => `${a.status} ${a.merchantPaymentAgreementReference ?? ''} ${a.id}`,
    concerns: (msg) => msg.kind === 'poll' || msg.kind === 'reset' || (msg.kind === 'event' && msg.agreementId),
    columns: [
      { label: 'Status', class: 'c-status', cell: (a) => chip(a.status) },
      {
        label: 'Amount',
        class: 'c-amount',
        cell: (a) =>
          a.amount
            ? [amount(a.amount.value, a.amount.currency), a.amountType ? h('small', { class: 'muted' }, ` ${a.amountType}`) : null]
            : '—',
      },
      {
        label: 'Reference',
        class: 'c-ref',
        cell: (a) => [
          h('span', { class: 'ref' }, a.merchantPaymentAgreementReference ?? '—'),
          h('small', { class: 'desc' }, a.description ?? ''),
        ],
      },
      { label: 'Consumer', class: 'c-consumer', cell: (a) => a.consumer?.name ?? '—' },
      { label: 'Created', class: 'c-time', cell: (a) => timeEl(a.createdAt) },
      { label: 'Id', class: 'c-id mono', cell: (a) => a.id },
    ],
  })
}

export function agreementView(container, id) {
  const path = `/v1/payment-agreements/${encodeURIComponent(id)}`
  const read = `/sandbox/payment-agreements/${encodeURIComponent(id)}`
  const head = h('div', { class: 'charge-head' })
  const controls = h('div', { class: 'card', id: 'controls' })
  const charges = h('div', { class: 'card', id: 'agreement-charges' })
  const timeline = h('div', { class: 'card' })
  const object = h('div', { class: 'card' })
  const openPaths = new Set(['$'])
  const seen = {}
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
      h('a', { class: 'back', href: link('agreements') }, '← Agreements'),
      head,
      h(
        'div',
        { class: 'charge-grid' },
        h('div', { class: 'charge-main' }, timeline, object),
        h('div', { class: 'charge-side' }, controls, charges),
      ),
    ),
  )

  const act = async (label, action, body) => {
    try {
      const a = await post(`/sandbox/payment-agreements/${encodeURIComponent(id)}/${action}`, body)
      toast(`${label}: the agreement is ${a.status}`)
    } catch (err) {
      toast(err.message, 'error')
    }
    await load()
  }

  function renderControls(a) {
    const title = h('h2', {}, 'Test controls')
    if (a.status === 'AUTHENTICATION_PENDING') {
      const code = h(
        'select',
        { 'aria-label': 'Decline code' },
        (config.declineCodes ?? []).map((x) => h('option', { value: x }, x)),
      )
      fill(
        controls,
        title,
        h(
          'div',
          { class: 'buttons' },
          h('button', { type: 'button', class: 'btn btn-primary', on: { click: () => act('Approved', 'approve') } }, 'Approve'),
          h('button', { type: 'button', class: 'btn', on: { click: () => act('Canceled', 'cancel') } }, 'Cancel'),
          h('button', { type: 'button', class: 'btn', on: { click: () => act('Expired', 'expire') } }, 'Expire now'),
        ),
        h(
          'div',
          { class: 'decline' },
          code,
          h(
            'button',
            { type: 'button', class: 'btn btn-danger-ghost', on: { click: () => act('Declined', 'decline', { failureCode: code.value }) } },
            'Decline',
          ),
        ),
      )
    } else if (a.status === 'ACTIVE') {
      fill(
        controls,
        title,
        h('p', { class: 'muted' }, 'Revocations no merchant API can make:'),
        h(
          'div',
          { class: 'buttons' },
          h(
            'button',
            { type: 'button', class: 'btn', on: { click: () => act('Revoked', 'revoke', { by: 'CONSUMER' }) } },
            'Revoke as consumer',
          ),
          h(
            'button',
            { type: 'button', class: 'btn', on: { click: () => act('Revoked', 'revoke', { by: 'PROVIDER' }) } },
            'Revoke as provider',
          ),
        ),
      )
    } else fill(controls, title, h('p', { class: 'muted' }, `A ${a.status} agreement has nothing left to force.`))
  }

  async function load() {
    try {
      const [a, t, cs] = await Promise.all([
        get(read),
        loadTimeline('payment-agreements', id),
        get(`/sandbox/payment-charges${query({ agreementId: id, limit: 100 })}`),
      ])
      if (changed('head', a)) {
        const url = a.authenticationMethods?.[0]?.details?.requestUrl
        fill(
          head,
          h(
            'div',
            { class: 'charge-title' },
            h('h1', {}, a.description ?? a.merchantPaymentAgreementReference ?? 'Agreement'),
            chip(a.status),
          ),
          h(
            'dl',
            { class: 'facts' },
            h('dt', {}, 'Id'),
            h('dd', {}, h('code', {}, a.id)),
            h('dt', {}, 'Amount'),
            h('dd', {}, a.amount ? `${amount(a.amount.value, a.amount.currency)} ${a.amountType ?? ''}` : '—'),
            h('dt', {}, 'Consumer'),
            h('dd', {}, a.consumer?.name ?? '—'),
            h('dt', {}, 'Created'),
            h('dd', {}, timeEl(a.createdAt)),
          ),
          url ? h('a', { class: 'btn btn-primary', href: url, target: '_blank', rel: 'noopener' }, 'Open the approval page ↗') : null,
        )
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
          h('div', { class: 'json' }, jsonTree(a, openPaths)),
        )
      }
      if (changed('controls', a.status)) renderControls(a)
      if (changed('charges', cs.data))
        fill(
          charges,
          h('h2', {}, 'Charges'),
          cs.data.length
            ? h(
                'ul',
                { class: 'refund-list' },
                cs.data.map((c) =>
                  h(
                    'li',
                    {},
                    chip(c.status),
                    h('a', { href: link('charges', c.id), class: 'mono' }, c.id),
                    h('strong', {}, amount(c.amount, c.currency)),
                  ),
                ),
              )
            : h('p', { class: 'muted' }, 'No charges on this agreement yet.'),
        )
      if (changed('timeline', t)) fill(timeline, h('h2', {}, 'Timeline'), renderTimeline(t, load))
    } catch (err) {
      fill(head, h('h1', {}, 'Agreement not found'), h('p', { class: 'muted' }, err.message))
    }
  }
  void load()
  const refreshSoon = throttled(() => void load())
  return {
    refresh(msg) {
      if (msg.kind === 'poll' || msg.kind === 'reset' || msg.kind === 'clock' || msg.agreementId === id) refreshSoon()
    },
  }
}
