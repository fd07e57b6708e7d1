import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { buildDockerfile } from './helpers/dockerfile.js'
import { AUTH, kakaoPayChargeRequest } from './helpers/app.js'
import { freePort } from './helpers/net.js'

const CONTEXT = new URL('..', import.meta.url).pathname

async function walk(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue
    const p = join(dir, e.name)
    out.push(...(e.isDirectory() ? await walk(p) : [p]))
  }
  return out
}

// npm ci and a build in a clean folder: minutes on a busy machine, more than tap's default per file.
t.setTimeout(600_000)

t.test("the Dockerfile's own build and start commands give a healthy server that stops on SIGTERM", async (t) => {
  t.setTimeout(300_000)
  const workspace = t.testdir({})
  const stages = await buildDockerfile(CONTEXT, workspace)
  const final = stages.at(-1)!

  t.equal(stages.length, 2, 'multi-stage')
  t.match(final.image, /^node:(20|22|24)-(slim|alpine)/, 'a Node LTS slim or alpine base')
  t.ok(final.user && final.user !== 'root' && final.user !== '0', `runs as a non-root user (${final.user})`)
  t.same(final.expose, ['8080'])
  t.equal(final.env.PORT, '8080')
  t.ok(final.healthcheck, 'has a HEALTHCHECK')
  t.equal(final.stopsignal, 'SIGTERM')
  t.same(final.cmd?.[0], 'node', 'node is PID 1 and receives SIGTERM itself')
  t.same(final.volumes, ['/data'], 'durable mode has a volume')
  t.equal(final.owners['/data']?.split(':')[0], final.user, 'that the non-root user can write')

  const app = join(final.root, final.workdir)
  const files = (await walk(app)).map((f) => f.slice(app.length + 1))
  t.ok(files.includes('dist/bundle/server.mjs'), 'the bundled server')
  t.same(
    files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    [],
    'no TypeScript in the final image',
  )
  t.notOk(
    files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('node_modules/')),
    'no sources, tests or node_modules in the final image',
  )
  t.ok(files.includes('fixtures/payment-methods/kakaopay.json'), 'payment method fixtures')
  t.ok(files.includes('dashboard/index.html'), 'the dashboard')

  const port = await freePort()
  // Durable mode on the image's volume folder, as `docker run -v sandbox-data:/data -e DATA_DIR=/data` runs it.
  const env = { ...process.env, ...final.env, PORT: String(port), LOG_LEVEL: 'warn', DATA_DIR: join(final.root, 'data') }
  const server = spawn(final.cmd![0]!, final.cmd!.slice(1), { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  server.stdout.on('data', (d) => (output += d))
  server.stderr.on('data', (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)))
  t.teardown(() => void server.kill('SIGKILL'))

  let healthy = false
  for (let i = 0; i < 100 && !healthy; i++) {
    healthy = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (!healthy) await new Promise((r) => setTimeout(r, 100))
  }
  t.ok(healthy, `GET /health answers 200 on PORT=${port}`)

  const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { mode: string; dataDir: string }
  t.same([health.mode, health.dataDir], ['durable', join(final.root, 'data')], 'durable on the volume folder')
  const check = spawnSync(final.healthcheck![0]!, final.healthcheck!.slice(1), { cwd: app, env, timeout: 10_000 })
  t.equal(check.status, 0, "the image's HEALTHCHECK command passes")

  // The bundle serves the whole flow, fixtures and approval page included.
  const base = `http://127.0.0.1:${port}`
  const created = await fetch(`${base}/v1/payment-charges`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(kakaoPayChargeRequest()),
  })
  const charge = (await created.json()) as { id: string; status: string }
  t.equal(charge.status, 'AUTHENTICATION_PENDING')
  const page = await fetch(`${base}/checkout/${charge.id}`)
  t.match(await page.text(), /15,000원/)
  const approved = await fetch(`${base}/checkout/${charge.id}`, {
    method: 'POST',
    body: new URLSearchParams({ action: 'approve' }),
    redirect: 'manual',
  })
  t.equal(approved.status, 303)
  const final2 = (await (await fetch(`${base}/v1/payment-charges/${charge.id}`, { headers: AUTH })).json()) as { status: string }
  t.equal(final2.status, 'CAPTURED')

  server.kill('SIGTERM')
  t.equal(await exited, 0, `stops cleanly on SIGTERM ${output.slice(-500)}`)
})
