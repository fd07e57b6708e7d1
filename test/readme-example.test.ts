import t from 'tap'
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import ts from 'typescript'
import { buildApp } from '../src/app.js'
import { freePort } from './helpers/net.js'

// The worked example of docs/testing.md is run as written, against a listening sandbox, so it cannot go stale.
t.test("the docs' worked test suite passes against the sandbox", async (t) => {
  const readme = await readFile(new URL('../docs/testing.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('## A worked example'))
  const source = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
  t.ok(source, 'the example is in docs/testing.md')
  const js = ts.transpileModule(source!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
  const file = join(t.testdir({}), 'example.test.mjs')
  await writeFile(file, js)

  const port = await freePort()
  const app = await buildApp({ config: { port, publicBaseUrl: `http://127.0.0.1:${port}` }, logger: false })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })

  const child = spawn(process.execPath, ['--test', file], {
    env: { ...process.env, PPRO_BASE_URL: `http://127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  t.equal(code, 0, output.slice(-3000))
  t.match(output, /# pass 1/)
  t.match(output, /# fail 0/)
})
