// Live updates: the sandbox's event stream (Server-Sent Events) when it answers, else a poll each second.
// Views subscribe and refresh what a message concerns; both paths call the same listeners.
import { session } from './api.js'

const POLL_MS = 500
const listeners = new Set()
let source
let timer
let mode = 'off'
const modeListeners = new Set()

export function onMessage(fn) {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

export function onMode(fn) {
  modeListeners.add(fn)
  fn(mode)
  return () => modeListeners.delete(fn)
}

function setMode(m) {
  mode = m
  for (const fn of modeListeners) fn(m)
}

function emit(message) {
  for (const fn of [...listeners]) {
    try {
      fn(message)
    } catch (err) {
      console.error(err)
    }
  }
}

/**
 * What every view follows: the merchant's decisions, webhook attempts, consumer actions and clock moves.
 * Not its API requests: each read of a load test would be one more message for the tab to take. A
 * charge's or agreement's page follows the requests about it on a stream of its own (`follow`).
 */
const KINDS = ['event', 'delivery', 'consumer', 'clock']

/** An EventSource on the merchant's stream with these filters, each message of `kinds` emitted. */
function open(filters, kinds) {
  const params = new URLSearchParams({ access_token: session.key, merchantId: session.merchantId, ...filters })
  const es = new EventSource(`/sandbox/events/stream?${params}`)
  for (const kind of kinds) {
    es.addEventListener(kind, (e) => {
      let data
      try {
        data = JSON.parse(e.data)
      } catch {
        return
      }
      emit({ ...data, kind: data.kind ?? kind })
    })
  }
  return es
}

/** Opens the stream for the current merchant; falls back to polling if the stream cannot be opened. */
export function connect() {
  disconnect()
  if (!session.ready) return
  let opened = false
  let es
  try {
    es = open({ kinds: KINDS.join(',') }, KINDS)
  } catch {
    return poll()
  }
  source = es
  es.onopen = () => {
    opened = true
    setMode('live')
  }
  es.onerror = () => {
    // A stream that never opened (no such endpoint, refused key) is not retried: poll instead. One that
    // was open reconnects by itself, resuming from the last id it saw.
    if (!opened || es.readyState === EventSource.CLOSED) {
      es.close()
      if (source === es) poll()
    } else setMode('reconnecting')
  }
}

let requests
/**
 * The API requests about one charge or agreement (`{ chargeId }` or `{ agreementId }`), for its page's
 * timeline, on a stream of their own; `follow()` stops. When the merchant's stream is polled instead,
 * the poll already refreshes the page.
 */
export function follow(filter) {
  requests?.close()
  requests = undefined
  if (!filter || !session.ready || !source) return
  try {
    requests = open({ kinds: 'request', ...filter }, ['request'])
  } catch {
    return
  }
  const es = requests
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED && requests === es) requests = undefined
  }
}

function poll() {
  source = undefined
  setMode('polling')
  timer = setInterval(() => emit({ kind: 'poll' }), POLL_MS)
}

export function disconnect() {
  follow(undefined)
  source?.close()
  source = undefined
  clearInterval(timer)
  timer = undefined
  setMode('off')
}

/**
 * `fn` at most once per `ms`, the last call never lost: a burst of messages (a load test creating
 * hundreds of charges a second) costs an open view a few requests a second, not one per message.
 */
export function throttled(fn, ms = 250) {
  let last = 0
  let timer
  return () => {
    if (timer) return
    const wait = last + ms - performance.now()
    if (wait <= 0) {
      last = performance.now()
      fn()
      return
    }
    timer = setTimeout(() => {
      timer = undefined
      last = performance.now()
      fn()
    }, wait)
  }
}
