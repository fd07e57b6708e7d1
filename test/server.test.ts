import t from 'tap'
import type { Test } from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'

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
      reject(new Error(`the server did not exit within 60 s; stderr: ${stderr}`))
    }, 60_000)
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
  t.setTimeout(90_000)
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
  // The starts run side by side: each is its own process.
  const [env, config, broken, missing, noDir, badSeed, refusedSeed] = await Promise.all([
    start({ PORT: 'eighty', LOG_LEVEL: 'loud' }),
    start({ SANDBOX_CONFIG: join(dir, 'bad-config.json') }),
    start({ SANDBOX_CONFIG: join(dir, 'broken.json') }),
    start({ SANDBOX_CONFIG: join(dir, 'missing.json') }),
    start({ SEED_DIR: join(dir, 'nowhere') }),
    start({ SEED_DIR: join(dir, 'seed') }),
    start({ SEED_DIR: join(dir, 'seed-refused') }),
  ])
  refusedStart(t, env, /invalid configuration: +PORT: .* +LOG_LEVEL: /)
  refusedStart(t, config, /SANDBOX_CONFIG .*bad-config\.json: merchants\.m\.webhookUrl/)
  refusedStart(t, broken, /SANDBOX_CONFIG .*broken\.json: not valid JSON/)
  refusedStart(t, missing, /SANDBOX_CONFIG .*missing\.json: cannot read the file \(ENOENT\)/)
  refusedStart(t, noDir, /SEED_DIR .*nowhere: cannot read the folder \(ENOENT\)/)
  refusedStart(t, badSeed, /SEED_DIR a\.json: charges\[0\]\.request\.amount is required/)
  refusedStart(t, refusedSeed, /SEED_DIR b\.json: charges\[0\]: amount\.value must not be negative/)
})
