// The bundle's loader (scripts/server-entry.mjs): a start without a code cache writes one, the next
// start uses it, a rebuilt bundle or a cache V8 refuses is never used, and SANDBOX_CODE_CACHE=off runs
// without one; and the bundle (scripts/bundle.mjs) starts without node:http2. Each start is a real
// process of a bundle built for this test.
import t from 'tap'
import type { Test } from 'tap'
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bundleServer } from '../scripts/bundle.mjs'
import { promisify } from 'node:util'
import { freePort } from './helpers/net.js'
import { startProcess } from './helpers/process.js'
import { until } from './helpers/wait.js'

t.setTimeout(300_000)
const execFileP = promisify(execFile)
const ROOT = new URL('..', import.meta.url).pathname
// Beside the shipped bundle, so that it finds the fixtures and the dashboard as the package does.
const DIR = join(ROOT, 'dist', 'bundle')
const NAME = `test-code-cache-${process.pid}`
const CACHE = join(DIR, 'code-cache')
const server = await bundleServer(join(ROOT, 'src/server.ts'), join(DIR, NAME))
const caches = () => {
  try {
    return readdirSync(CACHE).filter((f) => f.startsWith(`${NAME}-`))
  } catch {
    return []
  }
}
t.teardown(() => {
  for (const f of [`${NAME}.mjs`, `${NAME}.cjs`, ...caches().map((c) => join('code-cache', c))]) rmSync(join(DIR, f), { force: true })
})

/** Starts the bundle, checks it serves, and returns its ready line's `codeCache`; stops it after `wait`. */
async function start(t: Test, env: Record<string, string> = {}, wait?: () => boolean) {
  const proc = await startProcess(t, { LOG_LEVEL: 'info', ...env }, { server })
  t.equal((await proc.call('GET', '/health')).status, 200)
  const ready = proc
    .output()
    .split('\n')
    .filter((l) => l.includes('KakaoPay sandbox ready'))
    .map((l) => JSON.parse(l) as { codeCache?: string })[0]
  if (wait) t.ok(await until(wait, 20_000), 'the cache is written')
  t.equal(await proc.stop(), 0)
  return ready?.codeCache
}

t.test('the first start writes the cache, the next uses it', async (t) => {
  t.same(caches(), [])
  t.equal(await start(t, {}, () => caches().length === 1), 'miss')
  const [first] = caches()
  t.match(first, new RegExp(`^${NAME}-${process.version}-${process.arch}-\\d+-\\d+\\.bin$`))
  t.equal(await start(t), 'hit')
  t.same(caches(), [first], 'a start that used it writes none')
})

t.test('a rebuilt bundle (another modification time) does not use the old cache, and replaces it', async (t) => {
  const [old] = caches()
  const later = new Date(Date.now() + 5_000)
  utimesSync(join(DIR, `${NAME}.cjs`), later, later)
  t.equal(await start(t, {}, () => caches().length === 1 && caches()[0] !== old), 'miss')
  t.not(caches()[0], old)
  t.equal(await start(t), 'hit')
})

t.test('a cache V8 refuses is not used: the server starts without it and writes a good one', async (t) => {
  const [file] = caches()
  const path = join(CACHE, file!)
  const good = readFileSync(path)
  writeFileSync(path, Buffer.alloc(good.length, 7))
  t.equal(await start(t, {}, () => !readFileSync(path).equals(Buffer.alloc(good.length, 7))), 'rejected')
  t.equal(await start(t), 'hit')
})

t.test('SANDBOX_CODE_CACHE=off: the cache is neither read nor written', async (t) => {
  t.equal(caches().length, 1)
  t.equal(await start(t, { SANDBOX_CODE_CACHE: 'off' }), 'off', 'not read though there is one')
  for (const c of caches()) rmSync(join(CACHE, c))
  t.equal(await start(t, { SANDBOX_CODE_CACHE: 'off' }), 'off')
  t.equal(await start(t), 'miss', 'nothing was written by the starts with it off')
})

t.test('the bundle starts without loading node:http2 (Fastify requires it for an option the sandbox never sets)', async (t) => {
  const port = await freePort()
  // The server in this process, then its loaded built-ins, before anything here could load http2 (fetch does).
  const script = `await import(${JSON.stringify(server)}); setTimeout(() => { console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('http'))), ''); process.exit(0) }, 1000)`
  const { stdout } = await execFileP(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', SANDBOX_CODE_CACHE: 'off' },
    timeout: 30_000,
  })
  const loaded = JSON.parse(stdout) as string[]
  t.ok(loaded.includes('NativeModule http'), 'node:http is loaded')
  t.same(
    loaded.filter((m) => m.includes('http2')),
    [],
  )
})
