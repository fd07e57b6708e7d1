// Payment agreements (recurring payments): the list, and one agreement with its charges, timeline and controls.
import { config, get, query } from './api.js'
import { fill, h } from './dom.js'
import { amount, chip, timeEl } from './format.js'
import { link } from './links.js'
import { listView } from './list.js'
import { detailView } from './detail.js'

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
  return detailView(container, id, {
    noun: 'agreement',
    section: 'agreements',
    back: 'Agreements',
    api: 'payment-agreements',
    idField: 'agreementId',
    renderHead,
    sideId: 'agreement-charges',
    loadSide: (agreementId) => get(`/sandbox/payment-charges${query({ agreementId, limit: 100 })}`),
    sideKey: (_a, cs) => cs.data,
    renderSide: renderCharges,
    idleControls,
  })
}

function renderHead(head, a) {
  const url = a.authenticationMethods?.[0]?.details?.requestUrl
  fill(
    head,
    h('div', { class: 'charge-title' }, h('h1', {}, a.description ?? a.merchantPaymentAgreementReference ?? 'Agreement'), chip(a.status)),
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
}

/** An active agreement can still be revoked as no merchant API can; anything else has nothing to force. */
function idleControls(a, page) {
  if (a.status !== 'ACTIVE') return h('p', { class: 'muted' }, `A ${a.status} agreement has nothing left to force.`)
  const revoke = (by, label) =>
    h('button', { type: 'button', class: 'btn', on: { click: () => page.act('Revoked', 'revoke', { by }) } }, label)
  return [
    h('p', { class: 'muted' }, 'Revocations no merchant API can make:'),
    h('div', { class: 'buttons' }, revoke('CONSUMER', 'Revoke as consumer'), revoke('PROVIDER', 'Revoke as provider')),
  ]
}

function renderCharges(card, _a, cs) {
  fill(
    card,
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
}
