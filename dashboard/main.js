// The dashboard's shell: which merchant, which view (from the URL's #fragment), the clock banner, and
// the live connection that tells the open view to refresh.
import { config, get, session } from './api.js'
import { h, fill } from './dom.js'
import { connect, disconnect, follow, onMessage, onMode } from './live.js'
import { clockBanner } from './clock.js'
import { chargesView } from './charges.js'
import { chargeView } from './charge.js'
import { agreementsView, agreementView } from './agreements.js'
import { webhooksView } from './webhooks.js'
import { link, parseRoute } from './links.js'

const main = document.getElementById('main')
const nav = document.getElementById('nav')
const who = document.getElementById('who')
const clockEl = document.getElementById('clock')

let current
let clock
let connectedAs = ''

function renderNav(route) {
  if (!session.merchantId) {
    fill(nav)
    return
  }
  const item = (section, label) =>
    h(
      'a',
      {
        href: link(section),
        class: ['nav-link', route.section === section && 'active'],
        'aria-current': route.section === section ? 'page' : undefined,
      },
      label,
    )
  fill(nav, item('charges', 'Charges'), item('agreements', 'Agreements'), item('webhooks', 'Webhooks'))
}

const liveBadge = h('span', { class: 'live', title: '' })
onMode((m) => {
  liveBadge.dataset.mode = m
  liveBadge.textContent = m === 'live' ? 'Live' : m === 'polling' ? 'Polling' : m === 'reconnecting' ? 'Reconnecting' : ''
  liveBadge.title =
    m === 'live'
      ? 'Updates arrive on the sandbox event stream'
      : m === 'polling'
        ? 'The event stream is unavailable: refreshing every second'
        : ''
})

function renderWho() {
  if (!session.merchantId) {
    fill(who)
    return
  }
  fill(
    who,
    liveBadge,
    h(
      'span',
      { class: 'merchant', title: 'Merchant-Id' },
      h('span', { class: 'merchant-label' }, 'Merchant'),
      h('code', { id: 'merchant-id' }, session.merchantId),
    ),
    h('a', { class: 'btn btn-ghost btn-small', href: '#/' }, 'Switch'),
  )
}

function pickView(container) {
  const last = sessionStorage.getItem('sandbox-dashboard.merchant') ?? ''
  const error = h('p', { class: 'form-error', role: 'alert' })
  const merchant = h('input', {
    id: 'pick-merchant',
    name: 'merchant',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    value: last,
    placeholder: 'merch_demo',
  })
  const key = config.apiKeysRequired
    ? h('input', { id: 'pick-key', name: 'key', type: 'password', required: true, autocomplete: 'off', placeholder: 'sk_test_…' })
    : undefined
  const form = h(
    'form',
    {
      class: 'card pick',
      on: {
        submit: async (e) => {
          e.preventDefault()
          const id = merchant.value.trim()
          if (!id) return
          if (key) {
            session.setKey(key.value.trim())
            session.merchantId = id
            try {
              await get('/sandbox/clock')
            } catch (err) {
              session.setKey('')
              session.merchantId = ''
              error.textContent = err.status === 401 ? 'That key is not one of this sandbox’s API_KEYS.' : err.message
              return
            }
          }
          sessionStorage.setItem('sandbox-dashboard.merchant', id)
          location.hash = `#/m/${encodeURIComponent(id)}/charges`
        },
      },
    },
    h('h1', {}, 'Open a merchant'),
    h('p', { class: 'muted' }, 'Every merchant id is its own tenant: you see its charges, agreements and webhooks, and nobody else’s.'),
    h('label', { for: 'pick-merchant' }, 'Merchant-Id'),
    merchant,
    key && [
      h('label', { for: 'pick-key' }, 'API key'),
      key,
      h('p', { class: 'hint' }, 'This sandbox checks API_KEYS. The key is kept for this tab only.'),
    ],
    error,
    h('button', { class: 'btn btn-primary', type: 'submit' }, 'Open dashboard'),
  )
  fill(container, form)
  merchant.focus()
  return {}
}

function route() {
  const r = parseRoute()
  current?.destroy?.()
  current = undefined
  if (r.merchantId && config.apiKeysRequired && !session.key) {
    sessionStorage.setItem('sandbox-dashboard.merchant', r.merchantId)
    location.hash = '#/'
    return
  }
  session.merchantId = r.merchantId
  if (connectedAs !== session.merchantId) {
    connectedAs = session.merchantId
    disconnect()
    clock?.destroy()
    clock = undefined
    fill(clockEl)
    if (session.ready) {
      clock = clockBanner(clockEl, () => current?.refresh?.({ kind: 'reset' }))
      connect()
    }
  }
  renderNav(r)
  renderWho()
  const views = {
    pick: () => pickView(main),
    charges: () => (r.id ? chargeView(main, r.id) : chargesView(main, r.params)),
    agreements: () => (r.id ? agreementView(main, r.id) : agreementsView(main, r.params)),
    webhooks: () => webhooksView(main, r.params),
  }
  current = (views[r.section] ?? views.charges)()
  follow(current?.follow)
  document.title = `${r.merchantId ? `${r.merchantId} · ` : ''}Sandbox dashboard`
}

onMessage((msg) => {
  clock?.refresh(msg)
  current?.refresh?.(msg)
})

// The skip link moves focus; it must not change the #fragment, which is the view's address.
document.querySelector('.skip')?.addEventListener('click', (e) => {
  e.preventDefault()
  main.focus()
})

window.addEventListener('hashchange', () => {
  route()
  main.focus({ preventScroll: true })
})
route()
