// A JSON value as a tree of <details>: objects and arrays fold, keyboard-reachable by the platform's own
// disclosure widget. `open` remembers which paths are unfolded across refreshes.
import { h } from './dom.js'

export function jsonTree(value, open = new Set(['$']), path = '$', key) {
  const label = key === undefined ? null : h('span', { class: 'j-key' }, `${key}: `)
  if (value === null || typeof value !== 'object') {
    const cls = value === null ? 'j-null' : `j-${typeof value}`
    return h('div', { class: 'j-leaf' }, label, h('span', { class: cls }, JSON.stringify(value)))
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value).filter(([, v]) => v !== undefined)
  const brackets = Array.isArray(value) ? ['[', ']'] : ['{', '}']
  if (entries.length === 0) return h('div', { class: 'j-leaf' }, label, h('span', { class: 'j-punct' }, brackets.join('')))
  const details = h(
    'details',
    { class: 'j-node', open: open.has(path) },
    h(
      'summary',
      {},
      label,
      h('span', { class: 'j-punct' }, brackets[0]),
      h('span', { class: 'j-count' }, Array.isArray(value) ? ` ${entries.length} items ` : ` ${entries.length} fields `),
      h('span', { class: 'j-punct' }, brackets[1]),
    ),
    h(
      'div',
      { class: 'j-children' },
      entries.map(([k, v]) => jsonTree(v, open, `${path}.${k}`, k)),
    ),
  )
  details.addEventListener('toggle', () => (details.open ? open.add(path) : open.delete(path)))
  return details
}
