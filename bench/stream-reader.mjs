// An event-stream reader for the bench: a process of its own (as a dashboard tab or `curl -N` is, so it
// takes no time from the load generator's event loop), connected to /sandbox/events/stream and taking
// every message as it comes. `reader()` resolves once it is connected; `close()` ends it and resolves
// with what it took ({ bytes, messages }).
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'

export function reader(url, headers) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), url, JSON.stringify(headers)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d) => (out += d))
  const exited = new Promise((resolve) => child.on('exit', resolve))
  let closing
  const close = () =>
    (closing ??= (async () => {
      child.stdin.end()
      const code = await exited
      if (code !== 0) throw new Error(`stream reader exited with ${code}`)
      return JSON.parse(out.slice(out.indexOf('\n') + 1))
    })())
  return new Promise((resolve, reject) => {
    const connected = () => {
      if (!out.includes('\n')) return
      child.stdout.off('data', connected)
      if (out.startsWith('connected\n')) resolve({ close })
      else reject(new Error(`stream reader: ${out.trim()}`))
    }
    child.stdout.on('data', connected)
    exited.then((code) => reject(new Error(`stream reader exited with ${code} before connecting`)))
  })
}

/** In the child: reads the stream until stdin closes, then prints what it took. */
function main(url, headers) {
  const stats = { bytes: 0, messages: 0 }
  const req = request(url, { headers }, (res) => {
    if (res.statusCode !== 200) {
      process.stdout.write(`${url}: ${res.statusCode}\n`)
      process.exit(1)
    }
    res.setEncoding('utf8')
    res.on('data', (chunk) => {
      stats.bytes += chunk.length
      for (let i = chunk.indexOf('\nid: '); i !== -1; i = chunk.indexOf('\nid: ', i + 1)) stats.messages++
      if (chunk.startsWith('id: ')) stats.messages++
    })
    res.on('error', () => {})
    process.stdout.write('connected\n')
  })
  req.on('error', (err) => {
    process.stdout.write(`${err.message}\n`)
    process.exit(1)
  })
  req.end()
  process.stdin.resume()
  process.stdin.on('end', () => {
    req.destroy()
    process.stdout.write(`${JSON.stringify(stats)}\n`, () => process.exit(0))
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv[2], JSON.parse(process.argv[3]))
