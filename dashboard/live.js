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

const KINDS = ['event', 'delivery', 'request', 'consumer', 'clock']

/** Opens the stream for the current merchant; falls back to polling if the stream cannot be opened. */
export function connect() {
  disconnect()
  if (!session.ready) return
  const url = `/sandbox/events/stream?access_token=${encodeURIComponent(session.key)}&merchantId=${encodeURIComponent(session.merchantId)}`
  let opened = false
  let es
  try {
    es = new EventSource(url)
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
  for (const kind of KINDS) {
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
}

function poll() {
  source = undefined
  setMode('polling')
  timer = setInterval(() => emit({ kind: 'poll' }), POLL_MS)
}

export function disconnect() {
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
