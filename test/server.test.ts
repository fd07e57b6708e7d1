import t from 'tap'
import type { Test } from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ConfigError } from '../src/config.js'
import { loadConfigFiles } from '../src/config-files.js'

// Real processes compile the sources as they start: on a busy machine that takes a while.
t.setTimeout(400_000)

const SERVER = new URL('../src/server.ts', import.meta.url).pathname

/** Starts `src/server.ts` in a real process (with the loader tap runs TypeScript with) and waits for it to exit. */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'))
    const child = spawn(process.execPath, [...loader, SERVER], {
      env: { PATH: process.env.PATH ?? '', TS_NODE_TRANSPILE_ONLY: '1', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b) => (stdout += b))
    child.stderr.on('data', (b) => (stderr += b))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the server did not exit within 150 s; stderr: ${stderr}`))
    }, 150_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr, stdout })
    })
  })
}

/** What a bad start must look like: exit status 2 and exactly one line, no stack trace. */
function refusedStart(t: Test, result: { code: number | null; stderr: string }, message: RegExp) {
  t.equal(result.code, 2, 'exit status 2')
  const lines = result.stderr.trimEnd().split('\n')
  t.equal(lines.length, 1, `one line: ${result.stderr}`)
  t.match(lines[0], /^ppro-kakaopay-sandbox: /)
  t.match(lines[0], message)
  t.notMatch(result.stderr, /\n\s+at /, 'no stack trace')
}

t.test('a bad setting or configuration file stops the start with one line and status 2', async (t) => {
  t.setTimeout(300_000)
  const dir = t.testdir({
    'bad-config.json': JSON.stringify({ merchants: { m: { webhookUrl: 'ftp://x' } } }),
    'broken.json': '{ not json',
    seed: { 'a.json': JSON.stringify({ charges: [{ merchantId: 'm', request: { paymentMethod: 'KAKAOPAY' } }] }) },
    'seed-refused': {
      'b.json': JSON.stringify({
        charges: [
          { merchantId: 'm', request: { paymentMethod: 'KAKAOPAY', amount: { value: -1, currency: 'KRW' }, consumer: { country: 'KR' } } },
        ],
      }),
    },
  })
  // Three real processes (a variable, a file read at start, a seed applied at start), side by side.
  const [env, config, refusedSeed] = await Promise.all([
    start({ PORT: 'eighty', LOG_LEVEL: 'loud' }),
    start({ SANDBOX_CONFIG: join(dir, 'bad-config.json') }),
    start({ SEED_DIR: join(dir, 'seed-refused') }),
  ])
  refusedStart(t, env, /invalid configuration: +PORT: .* +LOG_LEVEL: /)
  refusedStart(t, config, /SANDBOX_CONFIG .*bad-config\.json: merchants\.m\.webhookUrl/)
  refusedStart(t, refusedSeed, /SEED_DIR b\.json: charges\[0\]: amount\.value must not be negative/)
  // The other bad files end the same way (server.ts prints any ConfigError as one line, status 2):
  // checked in process, where they are raised.
  for (const [settings, message] of [
    [{ sandboxConfigPath: join(dir, 'broken.json') }, /^SANDBOX_CONFIG .*broken\.json: not valid JSON/],
    [{ sandboxConfigPath: join(dir, 'missing.json') }, /^SANDBOX_CONFIG .*missing\.json: cannot read the file \(ENOENT\)$/],
    [{ seedDir: join(dir, 'nowhere') }, /^SEED_DIR .*nowhere: cannot read the folder \(ENOENT\)$/],
    [{ seedDir: join(dir, 'seed') }, /^SEED_DIR a\.json: charges\[0\]\.request\.amount is required/],
  ] as const) {
    const err = await loadConfigFiles(settings).then(
      () => undefined,
      (e: unknown) => e,
    )
    t.ok(err instanceof ConfigError, `${JSON.stringify(settings)}: a ConfigError`)
    t.match((err as Error).message, message)
    t.notMatch((err as Error).message, /\n/, 'one line')
  }
})

/** Starts the server and collects its output until `stop()`; resolves `ready` with the start line. */
function run(env: Record<string, string>) {
  const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'))
  const child = spawn(process.execPath, [...loader, SERVER], {
    env: { PATH: process.env.PATH ?? '', TS_NODE_TRANSPILE_ONLY: '1', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  child.stderr.on('data', (b) => (stdout += b))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start line within 150 s: ${stdout}`)), 150_000)
    child.stdout.on('data', (b) => {
      stdout += b
      const line = stdout.split('\n').find((l) => l.includes('KakaoPay sandbox ready'))
      if (line) {
        clearTimeout(timer)
        resolve(line)
      }
    })
  })
  return { ready, exited, output: () => stdout, stop: () => child.kill('SIGTERM'), kill: () => child.kill('SIGKILL') }
}

const AUTH = { authorization: 'Bearer k', 'merchant-id': 'm', 'content-type': 'application/json' }

t.test(
  'on a terminal-style log: one readable line per request and decision, and a start line that says where and how to stop',
  async (t) => {
    t.setTimeout(300_000)
    const server = run({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' })
    t.teardown(server.kill)
    const start = await server.ready
    const address = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(start)?.[1]
    t.ok(address, start)
    t.match(
      start,
      /^\d\d:\d\d:\d\d\.\d{3} INFO  KakaoPay sandbox ready at http:\/\/localhost:\d+ .*approval pages at http:\/\/localhost:\d+\/checkout\/<id>.*Ctrl\+C/,
    )
    const res = await fetch(`${address}/v1/payment-charges`, {
      method: 'POST',
      headers: { ...AUTH, 'request-reference': 'trace-7' },
      body: '{"amount":1}',
    })
    t.equal(res.status, 400)
    server.stop()
    t.equal(await server.exited, 0, 'stops on SIGTERM')
    const lines = server.output().trimEnd().split('\n')
    t.ok(
      lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} INFO  POST \/v1\/payment-charges 400 \d+\.\d ms trace-7$/.test(l)),
      'the request, in one line',
    )
    t.notOk(
      lines.some((l) => l.startsWith('{')),
      'no JSON lines',
    )
    t.notOk(
      lines.some((l) => l.includes('incoming request')),
      'one line per request, not two',
    )
  },
)

t.test('LOG_FORMAT=json (or no terminal): JSON lines, as containers want', async (t) => {
  t.setTimeout(300_000)
  const server = run({ LOG_LEVEL: 'info' })
  t.teardown(server.kill)
  const start = JSON.parse(await server.ready) as { msg: string; address: string; publicBaseUrl: string }
  t.match(start, { msg: /^KakaoPay sandbox ready at /, address: /^http:\/\/127\.0\.0\.1:\d+$/ })
  const created = await fetch(`${start.address}/v1/payment-charges`, {
    method: 'POST',
    headers: AUTH,
    body: JSON.stringify({
      paymentMethod: 'KAKAOPAY',
      amount: { value: 15000, currency: 'KRW' },
      consumer: { country: 'KR' },
      authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/r' } }],
    }),
  })
  t.equal(created.status, 200)
  server.stop()
  t.equal(await server.exited, 0)
  const entries = server
    .output()
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  t.same(
    entries.filter((e) => e.msg === 'event').map((e) => e.type),
    ['PAYMENT_CHARGE_CREATED', 'PAYMENT_CHARGE_AUTHENTICATION_PENDING'],
    'each decision is logged with its event',
  )
})
