// The sandbox clock banner: sandbox time and how far it is ahead of real time, advanced by presets or
// any duration (timeouts, webhook retries and the refund window fire on the way), and the merchant's reset.
import { del, get, post, session } from './api.js'
import { fill, h, openDialog, toast } from './dom.js'
import { duration, parseDuration, time } from './format.js'

const PRESETS = [
  ['+15 min', 900],
  ['+1 hour', 3600],
  ['+1 day', 86400],
  ['+366 days', 366 * 86400],
]

export function clockBanner(container, onChange) {
  let state // {now (sandbox ms at fetchedAt), offsetSeconds, fetchedAt (performance.now())}
  let lastFetch = 0
  const timeEl = h('strong', { id: 'sandbox-time', class: 'clock-time' }, '…')
  const offsetEl = h('span', { id: 'sandbox-offset', class: 'clock-offset' })
  const custom = h('input', {
    id: 'advance-by',
    class: 'input-small',
    placeholder: '2h30m',
    'aria-label': 'Advance the clock by (e.g. 90m, 2h, 3d)',
    size: 8,
  })
  const error = h('span', { class: 'form-error', role: 'alert' })

  const show = () => {
    if (!state) return
    const now = new Date(state.now + (performance.now() - state.fetchedAt))
    timeEl.textContent = time(now.toISOString())
    timeEl.title = now.toISOString()
    offsetEl.textContent = state.offsetSeconds > 0 ? `+${duration(state.offsetSeconds)} ahead` : 'real time'
  }
  const load = async () => {
    lastFetch = performance.now()
    try {
      const c = await get('/sandbox/clock')
      state = { now: Date.parse(c.now), offsetSeconds: c.offsetSeconds, fetchedAt: performance.now() }
      show()
    } catch (err) {
      timeEl.textContent = err.message
    }
  }
  const advance = async (seconds) => {
    error.textContent = ''
    try {
      const c = await post('/sandbox/clock', { advanceSeconds: seconds })
      state = { now: Date.parse(c.now), offsetSeconds: c.offsetSeconds, fetchedAt: performance.now() }
      show()
      toast(`Sandbox clock advanced by ${duration(seconds)}`)
      onChange()
    } catch (err) {
      error.textContent = err.message
    }
  }
  const reset = async () => {
    const answer = await openDialog(
      'Reset this merchant’s data?',
      [
        h(
          'p',
          {},
          'Every charge, agreement, webhook event and idempotency key of ',
          h('code', {}, session.merchantId),
          ' is deleted. Other merchants keep theirs. This cannot be undone.',
        ),
      ],
      [
        { label: 'Cancel', value: '' },
        { label: 'Delete everything', value: 'reset', class: 'btn-danger' },
      ],
    )
    if (answer !== 'reset') return
    try {
      const r = await del('/sandbox/data')
      toast(`Deleted ${r.deleted.charges} charges, ${r.deleted.agreements} agreements and ${r.deleted.events} events`)
      onChange()
    } catch (err) {
      toast(err.message, 'error')
    }
  }

  fill(
    container,
    h(
      'div',
      { class: 'clock-inner' },
      h('div', { class: 'clock-read' }, h('span', { class: 'clock-label' }, 'Sandbox time'), timeEl, offsetEl),
      h(
        'div',
        { class: 'clock-controls', role: 'group', 'aria-label': 'Advance the sandbox clock' },
        PRESETS.map(([label, s]) =>
          h('button', { type: 'button', class: 'btn btn-small', dataset: { advance: s }, on: { click: () => advance(s) } }, label),
        ),
        h(
          'form',
          {
            class: 'clock-custom',
            on: {
              submit: (e) => {
                e.preventDefault()
                const s = parseDuration(custom.value)
                if (!(s > 0)) {
                  error.textContent = 'Say how long: 90m, 2h30m, 3d or seconds'
                  return
                }
                void advance(s)
              },
            },
          },
          custom,
          h('button', { type: 'submit', class: 'btn btn-small' }, 'Advance'),
        ),
        error,
      ),
      h('button', { type: 'button', id: 'reset-data', class: 'btn btn-small btn-danger-ghost', on: { click: reset } }, 'Reset data…'),
    ),
  )
  void load()
  const ticker = setInterval(show, 1000)
  return {
    refresh(msg) {
      if (msg.kind === 'clock' && msg.sandboxTime) {
        // The stream says where the clock is now: no request needed.
        state = { now: Date.parse(msg.sandboxTime), offsetSeconds: msg.offsetSeconds, fetchedAt: performance.now() }
        show()
      } else if (msg.kind === 'reset' || (msg.kind === 'poll' && performance.now() - lastFetch > 5000)) void load()
    },
    destroy() {
      clearInterval(ticker)
    },
  }
}
