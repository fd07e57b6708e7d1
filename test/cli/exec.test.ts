import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { spawnCli } from '../helpers/cli.js'

// `exec` as a user runs it: its own process, a real command, real signals.

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const refused = (url: string) =>
  fetch(`${url}/health`).then(
    () => false,
    () => true,
  )

/** Polls a file the command writes, bounded: the command's own process tells us its pid and the URL. */
async function readWhenWritten(path: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const text = await readFile(path, 'utf8').catch(() => '')
    if (text.endsWith('\n')) return text
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${path} was never written`)
}

t.test('the command gets the URL and credentials, and its exit code is exec’s', async (t) => {
  const script = [
    'const h = { authorization: "Bearer " + process.env.PPRO_API_KEY, "merchant-id": process.env.PPRO_MERCHANT_ID }',
    'const s = await (await fetch(process.env.PPRO_BASE_URL + "/sandbox/status", { headers: h })).json()',
    'console.log(JSON.stringify({ url: process.env.PPRO_BASE_URL, merchant: s.merchantId, secret: s.webhookSecret === process.env.PPRO_WEBHOOK_SECRET }))',
    'process.exit(Number(process.argv[1]))',
  ].join('\n')
  for (const code of [0, 3]) {
    const { done } = await spawnCli([
      'exec',
      '--merchant',
      'merch_ci',
      '--',
      process.execPath,
      '--input-type=module',
      '-e',
      script,
      String(code),
    ])
    const r = await done
    t.equal(r.code, code, `exit ${code}`)
    t.equal(r.stderr, '')
    const seen = JSON.parse(r.stdout) as { url: string; merchant: string; secret: boolean }
    t.match(seen, { url: /^http:\/\/127\.0\.0\.1:\d+$/, merchant: 'merch_ci', secret: true })
    t.ok(await refused(seen.url), 'the sandbox is stopped afterwards')
  }
})

t.test('configuration flags reach the sandbox exec starts', async (t) => {
  const script =
    'const s = await (await fetch(process.env.PPRO_BASE_URL + "/sandbox/status", { headers: { authorization: "Bearer k", "merchant-id": "m" } })).json(); console.log(s.webhookUrl, process.env.PPRO_WEBHOOK_SECRET)'
  const { done } = await spawnCli([
    'exec',
    '--webhook-url',
    'http://127.0.0.1:9/hooks',
    '--webhook-secret',
    'whsec_flag',
    '--',
    process.execPath,
    '--input-type=module',
    '-e',
    script,
  ])
  t.same(await done, { code: 0, signal: null, stdout: 'http://127.0.0.1:9/hooks whsec_flag\n', stderr: '' })
})

t.test('a command that cannot be started: one line, exit 127', async (t) => {
  const { done } = await spawnCli(['exec', '--', 'no-such-command-here'])
  t.same(await done, {
    code: 127,
    signal: null,
    stdout: '',
    stderr: 'ppro-kakaopay-sandbox: cannot run no-such-command-here: no such command\n',
  })
})

t.test('a command killed by a signal: exit 128 + its number, and nothing is left', async (t) => {
  const dir = t.testdir({})
  const { done } = await spawnCli(['exec', '--', 'sh', '-c', `echo "$$ $PPRO_BASE_URL" > ${join(dir, 'info')}; kill -9 $$`])
  const r = await done
  t.equal(r.code, 137)
  const [pid, url] = (await readFile(join(dir, 'info'), 'utf8')).trim().split(' ')
  t.notOk(alive(Number(pid)), 'the command is gone')
  t.ok(await refused(url!), 'the sandbox is stopped')
})

t.test('exec stopped by SIGTERM (or Ctrl-C): the command gets the signal, the sandbox stops, no process is left', async (t) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const dir = t.testdir({})
    const info = join(dir, 'info')
    // `exec sleep` makes the shell the sleeping process itself: the pid written is the one to check.
    const { child, done } = await spawnCli(['exec', '--', 'sh', '-c', `echo "$$ $PPRO_BASE_URL" > ${info}; exec sleep 30`])
    const [pid, url] = (await readWhenWritten(info)).trim().split(' ')
    t.ok(alive(Number(pid)), 'the command runs')
    t.notOk(await refused(url!), 'the sandbox answers while it runs')
    child.kill(signal)
    const r = await done
    t.equal(r.code, 128 + (signal === 'SIGTERM' ? 15 : 2), `${signal}: exit 128 + the signal the command died of`)
    t.notOk(alive(Number(pid)), `${signal}: the command is gone`)
    t.ok(await refused(url!), `${signal}: the sandbox is stopped`)
  }
})

t.test('a command that ignores the signal is killed after the grace period', async (t) => {
  const dir = t.testdir({})
  const info = join(dir, 'info')
  const { child, done } = await spawnCli([
    'exec',
    '--',
    'sh',
    '-c',
    `trap '' TERM; echo "$$ $PPRO_BASE_URL" > ${info}; while true; do sleep 0.1; done`,
  ])
  const [pid, url] = (await readWhenWritten(info)).trim().split(' ')
  child.kill('SIGTERM')
  const r = await done
  t.equal(r.code, 137, 'killed')
  t.notOk(alive(Number(pid)), 'the command is gone')
  t.ok(await refused(url!), 'the sandbox is stopped')
})
