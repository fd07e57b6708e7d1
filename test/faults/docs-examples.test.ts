import t from 'tap'
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import ts from 'typescript'
import { buildApp } from '../../src/app.js'
import { API_FAULT_KINDS, WEBHOOK_FAULT_KINDS } from '../../src/faults/rules.js'
import { freePort } from '../helpers/net.js'

// docs/faults.md's worked examples are run as written, as one test file, against a listening sandbox.
t.test('the worked examples of docs/faults.md pass against the sandbox, one per fault kind', async (t) => {
  const doc = await readFile(new URL('../../docs/faults.md', import.meta.url), 'utf8')
  const section = doc.slice(doc.indexOf('## Worked examples'))
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
  const source = blocks.join('\n')
  for (const kind of [...API_FAULT_KINDS, ...WEBHOOK_FAULT_KINDS]) t.match(source, `kind: '${kind}'`, `an example of ${kind}`)
  const tests = blocks.filter((b) => b.startsWith('test(')).length
  t.equal(tests, 11, 'eleven example tests')
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
  const file = join(t.testdir({}), 'faults.test.mjs')
  await writeFile(file, js)

  const port = await freePort()
  const secret = 'whsec_docs'
  const app = await buildApp({
    config: {
      port,
      publicBaseUrl: `http://127.0.0.1:${port}`,
      webhooks: { url: undefined, secret, timeoutMs: 2000, retryBaseMs: 15000, maxAttempts: 15 },
    },
    logger: false,
  })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })

  const child = spawn(process.execPath, ['--test', file], {
    env: { ...process.env, PPRO_BASE_URL: `http://127.0.0.1:${port}`, WEBHOOK_SECRET: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const killer = setTimeout(() => child.kill(), 60_000)
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  clearTimeout(killer)
  t.equal(code, 0, output.slice(-4000))
  t.match(output, new RegExp(`# pass ${tests}\\b`))
  t.match(output, /# fail 0/)
})
