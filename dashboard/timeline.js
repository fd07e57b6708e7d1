// A charge's or agreement's story in time order: API calls, transitions with their reasons, consumer
// actions, each webhook attempt with the receiver's answer, clock moves. From the sandbox's timeline
// endpoint; where a sandbox has none, from the webhook events and their attempts.
import { ApiError, curl, deliveryCurl, get, query } from './api.js'
import { copyText, h } from './dom.js'
import { attemptOk, duration, outcome, timeEl } from './format.js'
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

/** `kind`: `payment-charges` or `payment-agreements`. Resolves {entries, deliveries, source}. */
export async function loadTimeline(kind, id) {
  const filter = kind === 'payment-charges' ? { chargeId: id } : { agreementId: id }
  const deliveries = await deliveriesOf(filter)
  if (timelineEndpoint) {
    try {
      const res = await get(`/sandbox/${kind}/${encodeURIComponent(id)}/timeline`)
      return { entries: res.data, deliveries, source: 'timeline' }
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404 || !String(err.message).startsWith('no such endpoint')) throw err
      timelineEndpoint = false
    }
  }
  return { entries: fromDeliveries(deliveries), deliveries, source: 'webhooks' }
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
    for (const a of d.attempts) {
      entries.push({ kind: 'delivery', sandboxTime: a.at, eventId: d.eventId, type: d.type, url: d.url, ...a })
    }
  }
  return entries.sort((x, y) => Date.parse(x.sandboxTime) - Date.parse(y.sandboxTime))
}

const CONSUMER = {
  opened: 'Consumer opened the approval page',
  approved: 'Consumer approved',
  failed: 'Consumer failed the payment',
  canceled: 'Consumer canceled',
}

function entryBody(e, byEvent, onChange) {
  const reason = e.reason
    ? h('p', { class: 't-reason' }, 'Why: ', e.reason.message ?? '', e.reason.code ? h('code', {}, ` ${e.reason.code}`) : null)
    : null
  switch (e.kind) {
    case 'request':
      return [
        h(
          'p',
          { class: 't-title' },
          h('span', { class: 'tag tag-api' }, 'API'),
          h('code', {}, `${e.method} ${e.path}`),
          ' → ',
          h('span', { class: ['answer', e.status < 400 ? 'answer-ok' : 'answer-bad'] }, String(e.status)),
          e.durationMs !== undefined ? h('span', { class: 'muted' }, ` ${e.durationMs} ms`) : null,
        ),
        reason,
        h(
          'div',
          { class: 'buttons' },
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-tiny',
              on: { click: () => copyText(curl(e.method, e.path, e.body ?? e.requestBody), 'curl copied') },
            },
            'Copy as curl',
          ),
        ),
      ]
    case 'event':
      return [h('p', { class: 't-title' }, h('span', { class: 'tag tag-event' }, 'Event'), h('strong', {}, e.type)), reason]
    case 'delivery': {
      const d = byEvent.get(e.eventId)
      const attempt = d?.attempts.find((a) => a.attempt === e.attempt) ?? d?.attempts.at(-1)
      const ok = attemptOk(e)
      return [
        h(
          'p',
          { class: 't-title' },
          h('span', { class: 'tag tag-webhook' }, 'Webhook'),
          `${e.type} attempt ${e.attempt}${e.replay ? ' (replay)' : ''} → `,
          h('span', { class: ['answer', ok ? 'answer-ok' : 'answer-bad'] }, outcome(e)),
          h('span', { class: 'muted' }, ` ${e.durationMs ?? 0} ms`),
          e.nextAttemptAt ? h('span', { class: 'muted' }, ' · retry at ', timeEl(e.nextAttemptAt)) : null,
        ),
        e.responseBody ? h('code', { class: 'response-body' }, e.responseBody) : null,
        reason,
        d &&
          h(
            'div',
            { class: 'buttons' },
            h(
              'button',
              { type: 'button', class: 'btn btn-tiny', on: { click: () => copyText(deliveryCurl(d, attempt), 'curl copied') } },
              'Copy as curl',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-tiny replay',
                disabled: !d.url,
                on: { click: async () => (await replay(d.eventId)) && onChange() },
              },
              'Replay',
            ),
          ),
      ]
    }
    case 'consumer':
      return [h('p', { class: 't-title' }, h('span', { class: 'tag tag-consumer' }, 'Consumer'), CONSUMER[e.action] ?? e.action), reason]
    case 'clock':
      return [
        h(
          'p',
          { class: 't-title' },
          h('span', { class: 'tag tag-clock' }, 'Clock'),
          `Sandbox clock advanced by ${duration(e.advancedSeconds ?? 0)}`,
        ),
        reason,
      ]
    default:
      return [h('p', { class: 't-title' }, h('span', { class: 'tag' }, e.kind), e.type ?? ''), reason]
  }
}

export function renderTimeline({ entries, deliveries, source }, onChange) {
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
          h('div', { class: 't-body' }, entryBody(e, byEvent, onChange)),
        ),
      ),
    ),
    source === 'webhooks' ? h('p', { class: 'hint' }, 'Built from the webhook events and their attempts.') : null,
  ]
}
