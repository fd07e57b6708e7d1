// A list of a merchant's records, newest first, in the API's cursor pages: search, a status filter,
// newer/older paging, and live refresh of the first page.
import { throttled } from './live.js'
import { get, query } from './api.js'
import { fill, h } from './dom.js'
import { cursorPager, LIMIT } from './pager.js'

/**
 * opts: {title, endpoint, statuses, searchLabel, columns: [{label, cell(row), class}], href(row), rowLabel(row), empty}
 */
export function listView(container, params, opts) {
  const filters = { q: params.get('q') ?? '', status: params.get('status') ?? '' }
  let lastJson = ''

  const search = h('input', {
    id: 'search',
    type: 'search',
    value: filters.q,
    placeholder: opts.searchLabel,
    'aria-label': opts.searchLabel,
    autocomplete: 'off',
    spellcheck: 'false',
  })
  const status = h(
    'select',
    { id: 'status-filter', 'aria-label': 'Filter by status' },
    h('option', { value: '' }, 'Every status'),
    opts.statuses.map((s) => h('option', { value: s, selected: s === filters.status }, s)),
  )
  const rows = h('div', { class: 'rows', id: `${opts.id}-rows` })
  const info = h('p', { class: 'list-info muted', 'aria-live': 'polite' })
  const notice = h(
    'button',
    { type: 'button', class: 'notice', hidden: true, on: { click: () => first() } },
    'New activity: show the newest',
  )

  let debounce
  const apply = () => {
    filters.q = search.value.trim()
    filters.status = status.value
    const q = new URLSearchParams()
    if (filters.q) q.set('q', filters.q)
    if (filters.status) q.set('status', filters.status)
    const [path] = location.hash.split('?')
    history.replaceState(null, '', `${path}${q.toString() ? `?${q}` : ''}`)
    first()
  }
  search.addEventListener('input', () => {
    clearTimeout(debounce)
    debounce = setTimeout(apply, 250)
  })
  status.addEventListener('change', apply)

  const pager = cursorPager(
    (page) => get(`${opts.endpoint}${query({ q: filters.q, status: filters.status, limit: LIMIT, page })}`),
    (res, index, err) => {
      if (!res) return void (info.textContent = err.message)
      const json = JSON.stringify(res.data) + (res.nextPage ?? '')
      if (json !== lastJson) {
        lastJson = json
        render(res.data)
      }
      const filtered = filters.q || filters.status
      info.textContent =
        res.data.length === 0
          ? filtered
            ? res.nextPage
              ? 'Nothing matches among these; older ones remain.'
              : 'Nothing matches.'
            : opts.empty
          : `${filtered ? 'Matching' : 'Newest first'} · page ${index + 1} · ${res.total.toLocaleString('en-US')} in all`
    },
    { ids: { newer: 'page-newer', older: 'page-older' }, onMove: () => (notice.hidden = true) },
  )
  const { newer, older, first, load } = pager

  function render(data) {
    fill(
      rows,
      data.map((row) =>
        h(
          'a',
          { class: 'row', href: opts.href(row), dataset: { id: row.id }, 'aria-label': opts.rowLabel(row) },
          opts.columns.map((c) => h('span', { class: ['cell', c.class], dataset: { label: c.label } }, c.cell(row))),
        ),
      ),
    )
  }

  fill(
    container,
    h(
      'section',
      { class: 'view', 'aria-labelledby': `${opts.id}-title` },
      h('div', { class: 'view-head' }, h('h1', { id: `${opts.id}-title` }, opts.title), notice),
      h('form', { class: 'toolbar', role: 'search', on: { submit: (e) => (e.preventDefault(), apply()) } }, search, status),
      h(
        'div',
        { class: 'table' },
        h(
          'div',
          { class: 'row row-head', 'aria-hidden': 'true' },
          opts.columns.map((c) => h('span', { class: ['cell', c.class] }, c.label)),
        ),
        rows,
      ),
      h('div', { class: 'pager' }, info, h('div', { class: 'pager-buttons' }, newer, older)),
    ),
  )
  void load()

  const refreshSoon = throttled(() => void load())
  return {
    refresh(msg) {
      if (!opts.concerns(msg)) return
      if (pager.onFirstPage) refreshSoon()
      else notice.hidden = false
    },
  }
}
