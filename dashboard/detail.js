// One charge's or agreement's page: its head, its timeline, its PPRO object (collapsible, "Copy as
// curl"), the test controls that apply to its status, and a card of its own (a charge's refunds, an
// agreement's charges). Both pages are this one builder with a description of what differs.
import { throttled } from './live.js'
import { config, curl, post, read } from './api.js'
import { copyText, fill, h, toast } from './dom.js'
import { jsonTree } from './json.js'
import { link } from './links.js'
import { loadTimeline, renderTimeline } from './timeline.js'

/**
 * `spec` says what differs:
 * - `noun` ('charge', 'agreement'), `section` ('charges', 'agreements'), `back` (the list's label);
 * - `api` ('payment-charges', 'payment-agreements'): the PPRO path is `/v1/{api}/{id}`, the controls
 *   `/sandbox/{api}/{id}/{action}`, the timeline `/sandbox/{api}/{id}/timeline`;
 * - `idField` ('chargeId', 'agreementId'): the stream messages' field naming it (a message concerns the
 *   page when it is `id`), also the filter of the stream of its requests;
 * - `renderHead(head, resource, page)`; `sideId`, `loadSide(id)` (optional), `sideKey(resource, side)`,
 *   `renderSide(card, resource, side, page)`; `idleControls(resource, page)`: the controls when the
 *   consumer has nothing left to decide (an array of nodes).
 * `page` is `{ id, act(label, action, body), reload() }`.
 */
export function detailView(container, id, spec) {
  const path = `/v1/${spec.api}/${encodeURIComponent(id)}`
  const head = h('div', { class: 'charge-head' })
  const controls = h('div', { class: 'card', id: 'controls', 'aria-labelledby': 'controls-title' })
  const side = h('div', { class: 'card', id: spec.sideId })
  const timeline = h('div', { class: 'card', id: 'timeline-card' })
  const object = h('div', { class: 'card', id: 'object' })
  const openPaths = new Set(['$'])
  const seen = {}
  let resource
  let busy = false
  let again = false
  let gone = false

  const changed = (key, value) => {
    const json = JSON.stringify(value)
    if (seen[key] === json) return false
    seen[key] = json
    return true
  }

  fill(
    container,
    h(
      'section',
      { class: 'view view-charge' },
      h('a', { class: 'back', href: link(spec.section) }, `← ${spec.back}`),
      head,
      h(
        'div',
        { class: 'charge-grid' },
        h('div', { class: 'charge-main' }, timeline, object),
        h('div', { class: 'charge-side' }, controls, side),
      ),
    ),
  )

  async function act(label, action, body) {
    try {
      const r = await post(`/sandbox/${spec.api}/${encodeURIComponent(id)}/${action}`, body)
      toast(`${label}: the ${spec.noun} is ${r.status}`)
    } catch (err) {
      toast(err.message, 'error')
    }
    await load()
  }
  const page = { id, act, reload: () => load() }

  function renderControls(r) {
    const title = h('h2', { id: 'controls-title' }, 'Test controls')
    if (r.status !== 'AUTHENTICATION_PENDING') {
      fill(controls, title, spec.idleControls(r, page))
      return
    }
    const code = h(
      'select',
      { id: 'decline-code', 'aria-label': 'Decline code' },
      (config.declineCodes ?? ['AUTHENTICATION_FAILED']).map((x) => h('option', { value: x }, x)),
    )
    const button = (id, label, onClick, cls = 'btn') => h('button', { type: 'button', class: cls, id, on: { click: onClick } }, label)
    fill(
      controls,
      title,
      h('p', { class: 'muted' }, 'Decide for the consumer, as the approval page would.'),
      h(
        'div',
        { class: 'buttons' },
        button('do-approve', 'Approve', () => act('Approved', 'approve'), 'btn btn-primary'),
        button('do-cancel', 'Cancel', () => act('Canceled', 'cancel')),
        button('do-expire', 'Expire now', () => act('Expired', 'expire')),
      ),
      h(
        'div',
        { class: 'decline' },
        code,
        button('do-decline', 'Decline', () => act('Declined', 'decline', { failureCode: code.value }), 'btn btn-danger-ghost'),
      ),
    )
  }

  function renderObject(r) {
    fill(
      object,
      h(
        'div',
        { class: 'card-head' },
        h('h2', {}, 'PPRO object'),
        h(
          'button',
          { type: 'button', class: 'btn btn-tiny', on: { click: () => copyText(curl('GET', path), 'curl copied') } },
          'Copy as curl',
        ),
      ),
      h('div', { class: 'json', id: `${spec.noun}-json` }, jsonTree(r, openPaths)),
    )
  }

  async function load() {
    if (busy) {
      again = true
      return
    }
    busy = true
    try {
      // The PPRO object where PPRO serves it, read without a journal entry (Sandbox-Journal: off).
      const [r, t, extra] = await Promise.all([read(path), loadTimeline(spec.api, id), spec.loadSide?.(id)])
      resource = r
      if (changed('head', r)) spec.renderHead(head, r, page)
      if (changed('controls', r.status)) renderControls(r)
      if (changed('side', spec.sideKey(r, extra))) spec.renderSide(side, r, extra, page)
      if (changed('object', r)) renderObject(r)
      if (changed('timeline', t)) fill(timeline, h('h2', {}, 'Timeline'), renderTimeline(t, load))
    } catch (err) {
      const title = `${spec.noun[0].toUpperCase()}${spec.noun.slice(1)}`
      if (err.status === 404) {
        // Never this merchant's, or deleted by a reset: nothing more will come of it.
        gone = true
        fill(head, h('h1', {}, `${title} not found`), h('p', { class: 'muted' }, err.message))
        for (const card of [controls, side, timeline, object]) card.hidden = true
      } else if (!resource) fill(head, h('h1', {}, `Could not load the ${spec.noun}`), h('p', { class: 'muted' }, err.message))
      else toast(err.message, 'error')
    } finally {
      busy = false
      if (again) {
        again = false
        void load()
      }
    }
  }
  void load()

  const refreshSoon = throttled(() => void load())
  return {
    refresh(msg) {
      if (!gone && (msg.kind === 'poll' || msg.kind === 'reset' || msg.kind === 'clock' || msg[spec.idField] === id)) refreshSoon()
    },
    follow: { [spec.idField]: id },
  }
}
