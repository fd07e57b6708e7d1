import t from 'tap'
import type { ServerResponse } from 'node:http'
import { listen } from '../helpers/net.js'
import { createHttpTransport, RESPONSE_PREVIEW_BYTES } from '../../src/webhooks/transport.js'

const post = (url: string, body = '{"n":1}', timeoutMs = 5000) => ({
  url,
  body,
  timeoutMs,
  headers: { 'content-type': 'application/json' },
})

t.test('at most maxPerOrigin requests are on the wire to one receiver, over as many reused connections', async (t) => {
  const held: ServerResponse[] = []
  let connections = 0
  let arrived: () => void = () => {}
  const server = await listen((req, res) => {
    req.resume()
    req.on('end', () => {
      held.push(res)
      arrived()
    })
  })
  server.server.on('connection', () => connections++)
  t.teardown(server.close)
  const transport = createHttpTransport({ maxPerOrigin: 2 })
  const arrivedTwo = new Promise<void>((resolve) => (arrived = () => held.length === 2 && resolve()))
  const answers = Array.from({ length: 6 }, (_, i) => transport(post(`${server.url}/hook`, `{"n":${i}}`)))
  await arrivedTwo
  // Let the event loop turn: nothing more may arrive while both held requests are unanswered.
  await new Promise((r) => setImmediate(r))
  await new Promise((r) => setTimeout(r, 20))
  t.equal(held.length, 2, 'the other four wait their turn')
  // Answer whatever is held, as it arrives, until all six are answered.
  arrived = () => {
    while (held.length > 0) held.shift()!.writeHead(204).end()
  }
  arrived()
  const statuses = (await Promise.all(answers)).map((a) => a.status)
  t.same(statuses, [204, 204, 204, 204, 204, 204])
  t.equal(connections, 2, 'six requests over two keep-alive connections')
})

t.test('a second receiver is not held up by a first that hangs', async (t) => {
  const hanging = await listen((req) => req.resume())
  const answering = await listen((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(200).end('ok'))
  })
  t.teardown(hanging.close)
  t.teardown(answering.close)
  const transport = createHttpTransport({ maxPerOrigin: 1 })
  const stuck = transport(post(`${hanging.url}/hook`, '{}', 60_000)).catch((err: Error) => err.name)
  t.same(await transport(post(`${answering.url}/hook`)), { status: 200, body: 'ok' })
  await hanging.close()
  t.ok(await stuck, 'the hanging request fails once its receiver goes away')
})

t.test('the preview keeps the first bytes of a long answer; a timeout is a TimeoutError; redirects are not followed', async (t) => {
  const server = await listen((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.url === '/long') return res.writeHead(500).end('x'.repeat(200_000))
      if (req.url === '/moved') return res.writeHead(302, { location: '/long' }).end()
      // '/slow' never answers.
    })
  })
  t.teardown(server.close)
  const transport = createHttpTransport()
  t.same(await transport(post(`${server.url}/long`)), { status: 500, body: 'x'.repeat(RESPONSE_PREVIEW_BYTES) })
  t.same(await transport(post(`${server.url}/moved`)), { status: 302, body: '' })
  const err = await transport(post(`${server.url}/slow`, '{}', 50)).then(
    () => undefined,
    (e: Error) => e,
  )
  t.equal(err?.name, 'TimeoutError')
  const refused = await transport(post('not a url')).then(
    () => undefined,
    (e: Error) => e,
  )
  t.ok(refused instanceof Error, 'a bad URL is refused')
})
