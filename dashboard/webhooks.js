// Every webhook delivery of the merchant, newest first, with its state; replay one, or every failed one since a time.
import { throttled } from './live.js'
import { config, get, post, query } from './api.js'
import { fill, h, toast } from './dom.js'
import { deliveryCard } from './deliveries.js'
import { cursorPager, LIMIT } from './pager.js'
const LABELS = { pending: 'Pending', retrying: 'Retrying', delivered: 'Delivered', gave_up: 'Gave up', not_sent: 'Not sent' }

/** `2026-12-01T10:15` for a datetime-local input, in the viewer's zone. */
function localInput(ms) {
  const d = new Date(ms)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}

export function webhooksView(container, params) {
  const open = new Set()
  let lastJson = ''
  let state = params.get('state') ?? ''
  let chargeId = params.get('chargeId') ?? ''
  const list = h('div', { class: 'deliveries', id: 'deliveries' })
  const info = h('p', { class: 'list-info muted', 'aria-live': 'polite' })
  const stateSelect = h(
    'select',
    { id: 'state-filter', 'aria-label': 'Filter by state' },
    h('option', { value: '' }, 'Every state'),
    (config.deliveryStates ?? []).map((s) => h('option', { value: s, selected: s === state }, LABELS[s] ?? s)),
  )
  const subject = h('input', {
    id: 'delivery-charge',
    type: 'search',
    value: chargeId,
    placeholder: 'charge_… (optional)',
    'aria-label': 'Only deliveries of this charge id',
    spellcheck: 'false',
  })
  const since = h('input', { id: 'replay-since', type: 'datetime-local', 'aria-label': 'Failed since (sandbox time)' })

  get('/sandbox/clock').then(
    (c) => (since.value = localInput(Date.parse(c.now) - 3600_000)),
    () => undefined,
  )

  const apply = () => {
    state = stateSelect.value
    chargeId = subject.value.trim()
    pager.first()
  }
  stateSelect.addEventListener('change', apply)

  async function replayFailed(e) {
    e.preventDefault()
    if (!since.value) return
    try {
      const r = await post('/sandbox/webhooks/replay-failed', { since: new Date(since.value).toISOString() })
      const ok = r.data.filter((d) => d.state === 'delivered').length
      toast(
        r.replayed === 0 ? 'No failed delivery since then' : `Replayed ${r.replayed}: ${ok} delivered now`,
        r.replayed === ok ? 'ok' : 'error',
      )
    } catch (err) {
      toast(err.message, 'error')
    }
    void load()
  }

  const pager = cursorPager(
    (page) => get(`/sandbox/deliveries${query({ state, chargeId, limit: LIMIT, page })}`),
    (res, index, err) => {
      if (!res) return void (info.textContent = err.message)
      const json = JSON.stringify(res.data)
      if (json !== lastJson) {
        lastJson = json
        fill(
          list,
          res.data.length
            ? res.data.map((d) => deliveryCard(d, open, () => load()))
            : h(
                'p',
                { class: 'empty' },
                state || chargeId ? 'No delivery matches.' : 'No webhooks yet: every state change of a charge or agreement is one.',
              ),
        )
      }
      info.textContent = `Page ${index + 1} · ${res.total.toLocaleString('en-US')} events in all`
    },
  )
  const { newer, older, load } = pager

  fill(
    container,
    h(
      'section',
      { class: 'view' },
      h('div', { class: 'view-head' }, h('h1', {}, 'Webhooks')),
      h(
        'div',
        { class: 'toolbar' },
        h(
          'form',
          { class: 'inline', role: 'search', on: { submit: (e) => (e.preventDefault(), apply()) } },
          stateSelect,
          subject,
          h('button', { type: 'submit', class: 'btn btn-small' }, 'Filter'),
        ),
        h(
          'form',
          { class: 'inline replay-failed', on: { submit: replayFailed } },
          h('label', { for: 'replay-since' }, 'Replay every failed delivery since'),
          since,
          h('button', { type: 'submit', class: 'btn btn-small btn-primary', id: 'replay-failed' }, 'Replay failed'),
        ),
      ),
      list,
      h('div', { class: 'pager' }, info, h('div', { class: 'pager-buttons' }, newer, older)),
    ),
  )
  void load()
  const refreshSoon = throttled(() => void load())
  return {
    refresh(msg) {
      if (pager.onFirstPage && (msg.kind === 'poll' || msg.kind === 'reset' || msg.kind === 'event' || msg.kind === 'delivery'))
        refreshSoon()
    },
  }
}
