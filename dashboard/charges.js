import { config } from './api.js'
import { h } from './dom.js'
import { amount, chip, timeEl } from './format.js'
import { link } from './links.js'
import { listView } from './list.js'

export function chargesView(container, params) {
  return listView(container, params, {
    id: 'charges',
    title: 'Payment charges',
    endpoint: '/sandbox/payment-charges',
    statuses: config.chargeStatuses ?? [],
    searchLabel: 'Search by charge id or merchant reference',
    empty: 'No charges yet. Create one with POST /v1/payment-charges: it appears here at once.',
    href: (c) => link('charges', c.id),
    rowLabel: (c) => `${c.status} ${amount(c.amount, c.currency)} ${c.merchantPaymentChargeReference ?? ''} ${c.id}`,
    concerns: (msg) => msg.kind === 'poll' || msg.kind === 'reset' || msg.kind === 'event' || msg.kind === 'clock',
    columns: [
      { label: 'Status', class: 'c-status', cell: (c) => chip(c.status) },
      {
        label: 'Amount',
        class: 'c-amount',
        cell: (c) => [
          amount(c.amount, c.currency),
          c.refundedAmount > 0
            ? h('small', { class: 'muted', title: 'refunded' }, `−${amount(c.refundedAmount, c.currency)} refunded`)
            : null,
        ],
      },
      {
        label: 'Reference',
        class: 'c-ref',
        cell: (c) => [
          h('span', { class: 'ref' }, c.merchantPaymentChargeReference ?? '—'),
          h('small', { class: 'desc' }, c.paymentDescriptor ?? ''),
        ],
      },
      { label: 'Consumer', class: 'c-consumer', cell: (c) => c.consumer?.name ?? c.consumer?.email ?? '—' },
      { label: 'Created', class: 'c-time', cell: (c) => timeEl(c.createdAt) },
      { label: 'Id', class: 'c-id mono', cell: (c) => c.id },
    ],
  })
}
