// How values read on the page: amounts in won, times of the sandbox clock, PPRO's status names as chips.
import { h } from './dom.js'

const SUFFIX = { KRW: '원' }

/** `15,000원`; other currencies as `1,000 USD`. */
export function amount(value, currency) {
  if (value === undefined || value === null) return '—'
  const digits = Number(value).toLocaleString('en-US')
  return SUFFIX[currency] ? `${digits}${SUFFIX[currency]}` : `${digits} ${currency ?? ''}`.trim()
}

const pad = (n, w = 2) => String(n).padStart(w, '0')

/** `2026-12-01 10:15:03` in the viewer's time zone (the full ISO time is the element's title). */
export function time(isoString) {
  if (!isoString) return '—'
  const d = new Date(isoString)
  if (Number.isNaN(d.getTime())) return String(isoString)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

export function timeEl(isoString) {
  return h('time', { datetime: isoString, title: isoString }, time(isoString))
}

/** `+1 d 2 h 15 min` for an offset in seconds. */
export function duration(seconds) {
  let s = Math.round(seconds)
  if (s === 0) return '0'
  const parts = []
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ]) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)} ${unit}`)
      s %= size
    }
  }
  return parts.join(' ')
}

/** `90m`, `1h30m`, `2d`, `45s`, `366 days`, or plain seconds: the seconds it means, or NaN. */
export function parseDuration(text) {
  const t = String(text).trim().toLowerCase()
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t)
  const units = {
    d: 86400,
    day: 86400,
    days: 86400,
    h: 3600,
    hour: 3600,
    hours: 3600,
    m: 60,
    min: 60,
    mins: 60,
    minute: 60,
    minutes: 60,
    s: 1,
    sec: 1,
    secs: 1,
    second: 1,
    seconds: 1,
  }
  let total = 0
  let rest = t
  const re = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*/
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    const size = units[m[2]]
    if (!size) return NaN
    total += Number(m[1]) * size
    rest = rest.slice(m[0].length)
  }
  return rest === '' && t !== '' ? total : NaN
}

const TONES = {
  CAPTURED: 'ok',
  ACTIVE: 'ok',
  DELIVERED: 'ok',
  delivered: 'ok',
  REFUNDED: 'info',
  AUTHENTICATION_PENDING: 'wait',
  AUTHORIZATION_PROCESSING: 'wait',
  AUTHORIZATION_ASYNC: 'wait',
  CAPTURE_PENDING: 'wait',
  CAPTURE_PROCESSING: 'wait',
  REFUND_PROCESSING: 'wait',
  INITIALIZING: 'wait',
  PENDING: 'wait',
  pending: 'wait',
  retrying: 'warn',
  FAILED: 'bad',
  gave_up: 'bad',
  DISCARDED: 'mute',
  VOIDED: 'mute',
  not_sent: 'mute',
  NOT_SENT: 'mute',
}

const LABELS = { gave_up: 'gave up', not_sent: 'not sent' }

/** A status as a coloured chip, with PPRO's own name for it. */
export function chip(status) {
  const tone = TONES[status] ?? (String(status).startsWith('REVOKED') ? 'mute' : 'info')
  return h('span', { class: ['chip', `chip-${tone}`], dataset: { status } }, LABELS[status] ?? status)
}

/** The status of an HTTP attempt: `200`, `500`, `timeout`, `ECONNREFUSED`. */
export function outcome(attempt) {
  if (attempt.statusCode !== undefined && attempt.statusCode !== null) return String(attempt.statusCode)
  return attempt.error ?? '…'
}

export const attemptOk = (a) => a.statusCode >= 200 && a.statusCode < 300

/** One shell word, single-quoted. */
export const shellQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`
