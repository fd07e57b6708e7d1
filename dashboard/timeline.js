// A charge's or agreement's story in time order: API calls, transitions with their reasons, consumer
// actions, each webhook attempt with the receiver's answer, clock moves. From the sandbox's timeline
// endpoint; where a sandbox has none, from the webhook events and their attempts.
import { ApiError, curl, deliveryCurl, get, query } from './api.js'
import { copyText, h } from './dom.js'
import { attemptOk, chip, duration, outcome, timeEl } from './format.js'
import { replay } from './deliveries.js'

let timelineEndpoint = true

/** Every delivery of a resource, following the cursor pages (bounded). */
export async function deliveriesOf(filter) {
  const out = []
  let page
  for (let i = 0; i < 20; i++) {
    const res = await get(`/sandbox/deliveries${query({ ...filter, limit: 100, page })}`)
    out.push(...res.data)
    page = res.nextPage
    if (!page) break
  }
  return out.reverse()
}

/** `kind`: `payment-charges` or `payment-agreements`. Resolves {entries, deliveries, requests, source}. */
export async function loadTimeline(kind, id) {
  const filter = kind === 'payment-charges' ? { chargeId: id } : { agreementId: id }
  const deliveries = await deliveriesOf(filter)
  if (timelineEndpoint) {
    try {
      const [timeline, journal] = await Promise.all([
        get(`/sandbox/${kind}/${encodeURIComponent(id)}/timeline`),
        get(`/sandbox/requests${query({ ...filter, limit: 100 })}`),
      ])
      // The journal has each call's body, for "Copy as curl"; the timeline has the call.
      const requests = new Map(journal.data.map((r) => [r.requestId, r]))
      return { entries: timeline.data, deliveries, requests, source: 'timeline' }
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404 || !String(err.message).startsWith('no such endpoint')) throw err
      timelineEndpoint = false
    }
  }
  return { entries: fromDeliveries(deliveries), deliveries, requests: new Map(), source: 'webhooks' }
}

function fromDeliveries(deliveries) {
  const entries = []
  for (const d of deliveries) {
    entries.push({
      kind: 'event',
      sandboxTime: d.createdAt,
      type: d.type,
      eventId: d.eventId,
      chargeId: d.chargeId,
      agreementId: d.agreementId,
    })
    for (const a of d.attempts) entries.push({ kind: 'delivery', sandboxTime: a.at, eventId: d.eventId, type: d.type, url: d.url, ...a })
  }
  return entries.sort((x, y) => Date.parse(x.sandboxTime) - Date.parse(y.sandboxTime))
}

const CONSUMER = {
  opened: 'Consumer opened the approval page',
  approved: 'Consumer approved',
  failed: 'Consumer failed the payment',
  canceled: 'Consumer canceled',
}

/**
 * An injected fault (docs/faults.md) on its request or webhook attempt: the kind, and the rule (or the
 * Sandbox-Fault header) that injected it.
 */
function faultTag(fault) {
  if (!fault) return null
  // Built from the delivery log (a sandbox without timelines): the attempt's fault as text.
  if (typeof fault === 'string') return h('span', { class: 'tag tag-fault' }, `Fault: ${fault}`)
  const by = fault.ruleId ?? (fault.source === 'header' ? 'Sandbox-Fault header' : '')
  const detail = [fault.copy ? `copy ${fault.copy}` : '', fault.delaySeconds ? `${fault.delaySeconds} s` : '', by]
    .filter(Boolean)
    .join(', ')
  return h('span', { class: 'tag tag-fault', title: 'Injected by a fault rule' }, `Fault: ${fault.kind}${detail ? ` (${detail})` : ''}`)
}

const button = (label, onClick, cls) => h('button', { type: 'button', class: ['btn', 'btn-tiny', cls], on: { click: onClick } }, label)

function requestEntry(e, requests) {
  const journal = requests.get(e.requestId)
  const target = e.query ? `${e.path}?${e.query}` : e.path
  const body = journal?.requestBody ? journal.requestBody : undefined
  return [
    h(
      'p',
      { class: 't-title' },
      h('span', { class: 'tag tag-api' }, 'API'),
      h('code', {}, `${e.method} ${target}`),
      ' → ',
      // 0: the client got no answer at all (a cut or hung connection).
      h(
        'span',
        { class: ['answer', e.status > 0 && e.status < 400 ? 'answer-ok' : 'answer-bad'] },
        e.status === 0 ? 'no answer' : String(e.status),
      ),
      e.durationMs !== undefined ? h('span', { class: 'muted' }, ` ${e.durationMs} ms`) : null,
      e.idempotentReplay ? h('span', { class: 'tag' }, 'idempotent replay') : null,
      faultTag(e.fault),
    ),
    h(
      'div',
      { class: 'buttons' },
      button('Copy as curl', () => copyText(curl(e.method, target, body, e.idempotencyKey), 'curl copied')),
    ),
  ]
}

function deliveryEntry(e, byEvent, onChange) {
  const d = byEvent.get(e.eventId)
  const attempt = d?.attempts.find((a) => a.attempt === e.attempt) ?? d?.attempts.at(-1)
  return [
    h(
      'p',
      { class: 't-title' },
      h('span', { class: 'tag tag-webhook' }, 'Webhook'),
      `${e.type} attempt ${e.attempt}${e.replay ? ' (replay)' : ''} → `,
      h('span', { class: ['answer', attemptOk(e) ? 'answer-ok' : 'answer-bad'] }, outcome(e)),
      h('span', { class: 'muted' }, ` ${e.durationMs ?? 0} ms`),
      e.nextAttemptAt ? h('span', { class: 'muted' }, ' · retry at ', timeEl(e.nextAttemptAt)) : null,
      faultTag(e.fault),
    ),
    e.responseBody ? h('code', { class: 'response-body' }, e.responseBody) : null,
    d &&
      h(
        'div',
        { class: 'buttons' },
        button('Copy as curl', () => copyText(deliveryCurl(d, attempt), 'curl copied')),
        d.url ? button('Replay', async () => (await replay(d.eventId)) && onChange(), 'replay') : null,
      ),
  ]
}

function entryBody(e, byEvent, requests, onChange) {
  switch (e.kind) {
    case 'request':
      return requestEntry(e, requests)
    case 'delivery':
      return deliveryEntry(e, byEvent, onChange)
    case 'event':
      return h(
        'p',
        { class: 't-title' },
        h('span', { class: 'tag tag-event' }, 'Event'),
        h('strong', {}, e.type),
        e.status ? [' ', chip(e.status)] : null,
      )
    case 'consumer':
      return h('p', { class: 't-title' }, h('span', { class: 'tag tag-consumer' }, 'Consumer'), CONSUMER[e.action] ?? e.action)
    case 'clock':
      return h(
        'p',
        { class: 't-title' },
        h('span', { class: 'tag tag-clock' }, 'Clock'),
        `Sandbox clock advanced by ${duration(e.advancedSeconds ?? 0)}`,
      )
    default:
      return h('p', { class: 't-title' }, h('span', { class: 'tag' }, e.kind), e.type ?? '')
  }
}

const why = (e) =>
  e.reason
    ? h('p', { class: 't-reason' }, 'Why: ', e.reason.message ?? '', e.reason.code ? [' ', h('code', {}, e.reason.code)] : null)
    : null

export function renderTimeline({ entries, deliveries, requests, source }, onChange) {
  const byEvent = new Map(deliveries.map((d) => [d.eventId, d]))
  if (entries.length === 0) return h('p', { class: 'muted' }, 'Nothing has happened yet.')
  return [
    h(
      'ol',
      { class: 'timeline', id: 'timeline' },
      entries.map((e) =>
        h(
          'li',
          {
            class: ['t-entry', `t-${e.kind}`, e.kind === 'delivery' && (attemptOk(e) ? 't-ok' : 't-bad')],
            dataset: { kind: e.kind, type: e.type ?? '' },
          },
          h('span', { class: 't-time' }, timeEl(e.sandboxTime ?? e.at)),
          h('div', { class: 't-body' }, entryBody(e, byEvent, requests, onChange), why(e)),
        ),
      ),
    ),
    source === 'webhooks' ? h('p', { class: 'hint' }, 'Built from the webhook events and their attempts.') : null,
  ]
}
