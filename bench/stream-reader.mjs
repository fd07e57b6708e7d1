// An event-stream reader for the bench: connects to /sandbox/events/stream and takes every message as
// it comes (as a dashboard tab or `curl -N` would); resolves once connected.
import { request } from 'node:http'

export function reader(url, headers) {
  return new Promise((resolve, reject) => {
    const stats = { bytes: 0, messages: 0 }
    const req = request(url, { headers }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode}`))
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        stats.bytes += chunk.length
        for (let i = chunk.indexOf('\nid: '); i !== -1; i = chunk.indexOf('\nid: ', i + 1)) stats.messages++
        if (chunk.startsWith('id: ')) stats.messages++
      })
      res.on('error', () => {})
      resolve({ stats, close: () => req.destroy() })
    })
    req.on('error', reject)
    req.end()
  })
}
