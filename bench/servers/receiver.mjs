// A webhook receiver for the bench, in its own process: answers every POST at once with STATUS
// (default 200) and counts them; GET /count answers the count.
import { createServer } from 'node:http'

const status = Number(process.env.STATUS ?? 200)
let count = 0
const server = createServer((req, res) => {
  if (req.method === 'GET') return res.end(String(count))
  req.resume()
  req.on('end', () => {
    count++
    res.writeHead(status).end()
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
