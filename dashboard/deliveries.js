// A webhook delivery: its state, every attempt with what the receiver answered, the exact bytes and
// signature headers that were sent, "Copy as curl" and replay.
import { deliveryCurl, post } from './api.js'
import { copyText, h, toast } from './dom.js'
import { attemptOk, chip, outcome, timeEl } from './format.js'
import { link } from './links.js'

export async function replay(eventId) {
  try {
    const d = await post(`/sandbox/webhooks/${encodeURIComponent(eventId)}/replay`)
    const last = d.attempts.at(-1)
    toast(
      last ? `Replayed ${d.type}: ${outcome(last)}` : `Nothing to replay ${d.type} to: no webhook URL`,
      last && attemptOk(last) ? 'ok' : 'error',
    )
    return d
  } catch (err) {
    toast(err.message, 'error')
  }
}

export function subjectLink(d) {
  if (d.chargeId) return h('a', { href: link('charges', d.chargeId), class: 'mono' }, d.chargeId)
  if (d.agreementId) return h('a', { href: link('agreements', d.agreementId), class: 'mono' }, d.agreementId)
  return h('span', { class: 'mono' }, d.subject)
}

export function attemptsTable(d) {
  if (d.attempts.length === 0)
    return h(
      'p',
      { class: 'muted' },
      d.state === 'not_sent' ? 'Not sent: no webhook URL is configured for this merchant or resource.' : 'Queued: no attempt yet.',
    )
  return h(
    'table',
    { class: 'attempts' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['#', 'Sent (sandbox time)', 'Answer', 'Took', 'Next attempt', ''].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      d.attempts.map((a) =>
        h(
          'tr',
          { class: attemptOk(a) ? 'ok' : 'bad' },
          h('td', {}, String(a.attempt), a.replay ? h('span', { class: 'tag' }, 'replay') : null),
          h('td', {}, timeEl(a.at)),
          h(
            'td',
            {},
            h('span', { class: ['answer', attemptOk(a) ? 'answer-ok' : 'answer-bad'] }, outcome(a)),
            a.responseBody ? h('code', { class: 'response-body' }, a.responseBody) : null,
          ),
          h('td', {}, `${a.durationMs} ms`),
          h('td', {}, a.nextAttemptAt ? timeEl(a.nextAttemptAt) : '—'),
          h(
            'td',
            {},
            h(
              'button',
              { type: 'button', class: 'btn btn-tiny', on: { click: () => copyText(deliveryCurl(d, a), 'curl copied') } },
              'Copy as curl',
            ),
          ),
        ),
      ),
    ),
  )
}

export function headersList(headers) {
  return h(
    'dl',
    { class: 'headers' },
    Object.entries(headers).map(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono' }, v)]),
  )
}

/** A delivery as a folding card; `open` is a Set of event ids kept unfolded across refreshes. */
export function deliveryCard(d, open, onReplayed) {
  const last = d.attempts.at(-1)
  const details = h(
    'details',
    { class: 'delivery', open: open.has(d.eventId), dataset: { eventId: d.eventId, state: d.state } },
    h(
      'summary',
      {},
      chip(d.state),
      h('span', { class: 'd-type' }, d.type),
      h('span', { class: 'd-subject mono' }, d.subject),
      h(
        'span',
        { class: 'd-attempts muted' },
        `${d.attempts.length} attempt${d.attempts.length === 1 ? '' : 's'}${last ? ` · ${outcome(last)}` : ''}`,
      ),
      h('span', { class: 'd-time muted' }, timeEl(d.createdAt)),
    ),
    h(
      'div',
      { class: 'delivery-body' },
      h(
        'p',
        {},
        h('span', { class: 'muted' }, 'To '),
        h('code', {}, d.url ?? 'no URL'),
        ' · about ',
        subjectLink(d),
        ' · event ',
        h('code', {}, d.eventId),
      ),
      attemptsTable(d),
      h('h4', {}, 'Signature headers'),
      headersList(d.attempts.at(-1)?.headers ?? d.headers),
      h('h4', {}, 'Body, exactly as sent'),
      h('pre', { class: 'payload' }, d.body),
      h(
        'div',
        { class: 'buttons' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-small replay',
            disabled: !d.url,
            on: {
              click: async () => {
                const r = await replay(d.eventId)
                if (r) onReplayed?.(r)
              },
            },
          },
          'Replay now',
        ),
        h(
          'button',
          { type: 'button', class: 'btn btn-small', on: { click: () => copyText(deliveryCurl(d), 'curl copied') } },
          'Copy as curl',
        ),
      ),
    ),
  )
  details.addEventListener('toggle', () => (details.open ? open.add(d.eventId) : open.delete(d.eventId)))
  return details
}
