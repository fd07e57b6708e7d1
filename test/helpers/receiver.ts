import type { IncomingHttpHeaders } from 'node:http'
import type { Test } from 'tap'
import { listen } from './net.js'

export interface Received {
  headers: IncomingHttpHeaders
  body: string
  json: Record<string, any>
}

/**
 * A merchant's webhook receiver on 127.0.0.1 port 0. `answer(n)` says what to do with the n-th request
 * (1-based): a status code, a promise of one (an answer that takes time), or 'hang' to never answer.
 * `next()` resolves with the next request.
 */
export async function receiver(t: Test, answer: (n: number, req: Received) => number | Promise<number> | 'hang' = () => 200) {
  const received: Received[] = []
  const waiting: Array<(r: Received) => void> = []
  let delivered = 0
  const server = await listen((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const r: Received = { headers: req.headers, body, json: JSON.parse(body) }
      received.push(r)
      const what = answer(received.length, r)
      if (typeof what === 'number') res.writeHead(what).end()
      else if (what !== 'hang') void what.then((status) => res.writeHead(status).end())
      const w = waiting.shift()
      if (w) w(r)
      else delivered++
    })
  })
  t.teardown(server.close)
  return {
    url: `${server.url}/webhooks`,
    received,
    /** The next request not yet taken by an earlier next(). */
    next(): Promise<Received> {
      if (delivered > 0) {
        delivered--
        return Promise.resolve(received[received.length - 1 - delivered]!)
      }
      return new Promise((resolve) => waiting.push(resolve))
    },
  }
}
