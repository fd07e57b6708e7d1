import t from 'tap'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import { signWebhook, verifyWebhook } from '../../src/kit/index.js'

/** The verification snippet a merchant copies from the docs (README or docs/), compiled as written. */
async function readmeVerifier(dir: string) {
  for (const file of ['README.md', 'docs/webhooks.md']) {
    const text = await readFile(new URL(`../../${file}`, import.meta.url), 'utf8').catch(() => '')
    const block = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('function verifyPproWebhook'))
    if (!block) continue
    const js = ts.transpileModule(block, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
    const path = join(dir, 'verify.mjs')
    await writeFile(path, js)
    return (await import(pathToFileURL(path).href)) as {
      verifyPproWebhook(raw: string, headers: Record<string, string | undefined>, secret: string): boolean
    }
  }
  throw new Error('no verifyPproWebhook snippet in README.md or docs/webhooks.md')
}

t.test("signWebhook's headers pass the documentation's verification snippet, and a changed byte fails it", async (t) => {
  const { verifyPproWebhook } = await readmeVerifier(t.testdir({}))
  const body = JSON.stringify({
    specversion: '1.0.2',
    id: 'evt_1',
    type: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
    data: { amount: { value: 15000, currency: 'KRW' } },
  })
  const headers = signWebhook(body, 'whsec_test')
  t.match(headers, { 'webhook-signature': /^[0-9a-f]{64}$/, 'ppro-signature': /^t=\d+,s=[0-9a-f]{64}$/ })
  t.equal(verifyPproWebhook(body, headers, 'whsec_test'), true, 'the snippet accepts it')
  t.same(verifyWebhook(body, headers, 'whsec_test'), { ok: true }, 'and so does verifyWebhook')
  t.equal(verifyPproWebhook(body.replace('15000', '15001'), headers, 'whsec_test'), false, 'a changed body fails')
  t.equal(verifyPproWebhook(body, headers, 'whsec_other'), false, 'another secret fails')
  t.equal(verifyPproWebhook(body, { 'webhook-signature': headers['webhook-signature'] }, 'whsec_test'), false, 'one header alone fails')
})
