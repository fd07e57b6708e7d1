// The dashboard's addresses: `#/m/<merchant>/<section>/<id>?<query>`, so a view can be bookmarked,
// reloaded and opened in another tab.
import { session } from './api.js'

export function parseRoute(hash = location.hash) {
  const [path, search = ''] = hash.replace(/^#/, '').split('?')
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent)
  if (parts[0] !== 'm' || !parts[1]) return { merchantId: '', section: 'pick', params: new URLSearchParams(search) }
  return { merchantId: parts[1], section: parts[2] ?? 'charges', id: parts[3], params: new URLSearchParams(search) }
}

export function link(section, id, params) {
  const base = `#/m/${encodeURIComponent(session.merchantId)}/${section}${id ? `/${encodeURIComponent(id)}` : ''}`
  const q = params ? new URLSearchParams(params).toString() : ''
  return q ? `${base}?${q}` : base
}
