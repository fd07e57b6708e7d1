import t from 'tap'
import { execFile as execFileCb, spawn } from 'node:child_process'
import { readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const execFile = promisify(execFileCb)
const ROOT = new URL('..', import.meta.url).pathname
const PROGRAM = 'ppro-kakaopay-sandbox'

/** Runs a command to its end: its exit code and everything it printed. */
function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

t.setTimeout(600_000)

// What a user gets: `npm pack`, installed into an empty project, used with no build step.
t.test('the packed tarball, installed in an empty project', async (t) => {
  t.setTimeout(600_000)
  const dir = t.testdir({ pack: {}, project: { 'package.json': JSON.stringify({ name: 'shop', private: true, type: 'module' }) } })
  const { stdout: packed } = await execFile('npm', ['pack', '--json', '--pack-destination', join(dir, 'pack')], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  })
  const [info] = JSON.parse(packed) as Array<{ filename: string; files: Array<{ path: string }> }>
  const files = info!.files.map((f) => f.path)

  t.test('ships compiled JavaScript with types, the CLI, the CommonJS entry and the fixtures; no sources or tests', async (t) => {
    for (const f of [
      'package.json',
      'README.md',
      'dist/kit/index.js',
      'dist/kit/index.d.ts',
      'dist/cli/bin.js',
      'dist/bundle/server.mjs',
      'cjs/index.cjs',
      'fixtures/payment-methods/kakaopay.json',
      'docs/developer-kit.md',
    ])
      t.ok(files.includes(f), f)
    t.same(
      files.filter(
        (f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')),
      ),
      [],
    )
  })

  const project = join(dir, 'project')
  const tgz = join(dir, 'pack', info!.filename)
  await execFile('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tgz], { cwd: project, maxBuffer: 64 * 1024 * 1024 })
  const installed = join(project, 'node_modules', PROGRAM)

  t.test("the README's test example passes as written", async (t) => {
    const readme = await readFile(join(installed, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## Use it from your tests'))
    const source = /```js\n([\s\S]*?)```/.exec(section)?.[1]
    t.ok(source, 'the example is in the README')
    await writeFile(join(project, 'readme.test.js'), source!)
    const result = await run(process.execPath, ['--test', 'readme.test.js'], { cwd: project })
    t.equal(result.code, 0, result.stdout + result.stderr)
    t.match(result.stdout, /# pass 1/)
    t.match(result.stdout, /# fail 0/)
  })

  t.test('importing the package starts nothing', async (t) => {
    const script = `import * as kit from '${PROGRAM}'; console.log(Object.keys(kit).sort().join(','))`
    const result = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project })
    t.same(
      result,
      { code: 0, stdout: 'PproClient,PproError,signWebhook,startSandbox,verifyWebhook\n', stderr: '' },
      'exits at once: no server left open',
    )
  })

  t.test('Vitest and Jest (ESM) run a payment against it as node:test does', async (t) => {
    const flow = (runner: string) => `
test('a KakaoPay payment from ${runner}', async () => {
  const sb = await startSandbox()
  try {
    const charge = await sb.client.createCharge({
      paymentMethod: 'KAKAOPAY',
      amount: { value: 15000, currency: 'KRW' },
      consumer: { country: 'KR' },
      authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/return' } }],
    })
    await sb.approve(charge.id)
    const webhook = await sb.awaitWebhook({ type: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED', chargeId: charge.id })
    expect(webhook.data.paymentChargeStatus).toBe('CAPTURED')
  } finally {
    await sb.close()
  }
})
`
    // The runners come from this repository's devDependencies; the package under test is the installed tarball.
    await symlink(join(ROOT, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'), 'dir')
    await writeFile(
      join(project, 'pay.vitest.test.js'),
      `import { test, expect } from 'vitest'\nimport { startSandbox } from '${PROGRAM}'\n${flow('Vitest')}`,
    )
    const vitest = await run(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'pay.vitest.test.js'], {
      cwd: project,
    })
    t.equal(vitest.code, 0, vitest.stdout + vitest.stderr)
    t.match(vitest.stdout, /Tests\s+1 passed \(1\)/)

    // Jest runs ES modules with Node's VM modules flag and no transform; its globals are injected.
    await writeFile(
      join(project, 'jest.config.json'),
      JSON.stringify({ testEnvironment: 'node', transform: {}, testMatch: ['**/*.jest.js'] }),
    )
    await writeFile(join(project, 'pay.jest.js'), `import { startSandbox } from '${PROGRAM}'\n${flow('Jest')}`)
    const jest = await run(
      process.execPath,
      ['--experimental-vm-modules', '--no-warnings', join(ROOT, 'node_modules/jest/bin/jest.js'), '--config', 'jest.config.json'],
      { cwd: project },
    )
    t.equal(jest.code, 0, jest.stdout + jest.stderr)
    t.match(jest.stderr, /Tests:\s+1 passed, 1 total/)
  })

  t.test('require() from CommonJS works on this Node', async (t) => {
    await writeFile(join(project, 'legacy.cjs'), `const { startSandbox } = require('${PROGRAM}'); console.log(typeof startSandbox)`)
    const result = await run(process.execPath, ['--no-warnings', 'legacy.cjs'], { cwd: project })
    t.same({ code: result.code, stdout: result.stdout }, { code: 0, stdout: 'function\n' }, result.stderr)
  })

  t.test('the types resolve for a TypeScript project, and catch a wrong request', async (t) => {
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: [] },
      }),
    )
    const good = `import { startSandbox, type PaymentCharge, type CreateChargeRequest } from '${PROGRAM}'
const body: CreateChargeRequest = { paymentMethod: 'KAKAOPAY', amount: { value: 1, currency: 'KRW' }, consumer: { country: 'KR' } }
export async function f(): Promise<PaymentCharge['status']> { const sb = await startSandbox(); return (await sb.client.createCharge(body)).status }
`
    await writeFile(join(project, 'good.ts'), good)
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
    const ok = await run(process.execPath, [tsc, '-p', '.'], { cwd: project })
    t.same({ code: ok.code, out: ok.stdout }, { code: 0, out: '' })
    await writeFile(
      join(project, 'bad.ts'),
      `import { startSandbox } from '${PROGRAM}'\nexport const p = startSandbox().then((sb) => sb.client.refund('c', { amount: '5' }))\n`,
    )
    const bad = await run(process.execPath, [tsc, '-p', '.'], { cwd: project })
    t.equal(bad.code, 2)
    t.match(bad.stdout, /bad\.ts.*Type 'string' is not assignable to type 'number'/s)
  })

  t.test('the CLI runs from node_modules/.bin: exec passes the credentials and the exit code', async (t) => {
    const bin = join(project, 'node_modules', '.bin', PROGRAM)
    const help = await run(bin, ['--help'], { cwd: project })
    t.equal(help.code, 0)
    t.match(help.stdout, /Commands:\n  start/)
    const script = `const r = await fetch(process.env.PPRO_BASE_URL + '/sandbox/status', { headers: { authorization: 'Bearer ' + process.env.PPRO_API_KEY, 'merchant-id': process.env.PPRO_MERCHANT_ID } }); const s = await r.json(); console.log(s.merchantId, s.webhookSecret === process.env.PPRO_WEBHOOK_SECRET); process.exit(3)`
    const result = await run(bin, ['exec', '--', process.execPath, '--input-type=module', '-e', script], { cwd: project })
    t.same(result, { code: 3, stdout: 'merch_local true\n', stderr: '' })
  })
})
