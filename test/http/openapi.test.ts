import t from 'tap'
import { readFileSync } from 'node:fs'
import { Validator } from '@seriousme/openapi-schema-validator'
import { OPERATIONS } from '../../src/http/openapi/operations.js'
import { toOpenApiPath } from '../../src/http/openapi/document.js'
import { buildTestApp } from '../helpers/app.js'

type Json = Record<string, any>

const PPRO: Record<string, Json> = {
  charges: JSON.parse(readFileSync(new URL('../fixtures/ppro-openapi/ppro-payment-charges.json', import.meta.url), 'utf8')),
  agreements: JSON.parse(readFileSync(new URL('../fixtures/ppro-openapi/ppro-payment-agreements.json', import.meta.url), 'utf8')),
  sessions: JSON.parse(readFileSync(new URL('../fixtures/ppro-openapi/ppro-payment-sessions.json', import.meta.url), 'utf8')),
}
const METHODS = ['get', 'post', 'put', 'patch', 'delete']

/** `/v1/payment-agreements/{agreement-id}` and `/v1/payment-agreements/{agreementId}` are one path. */
const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}')

function pproOperation(path: string, method: string): { spec: Json; op: Json } | undefined {
  for (const spec of Object.values(PPRO))
    for (const [p, item] of Object.entries(spec.paths as Record<string, Json>))
      if (shape(p) === shape(path) && item[method]) return { spec, op: item[method] }
  return undefined
}

/** A PPRO schema with its `$ref`s and `allOf`s resolved into one object's properties and required fields. */
function resolve(spec: Json, s: Json | undefined): Json {
  if (!s) return {}
  if (s.$ref) return resolve(spec, spec.components.schemas[String(s.$ref).split('/').pop()!])
  if (s.allOf) {
    const parts = (s.allOf as Json[]).map((p) => resolve(spec, p))
    const merged: Json = { ...s, allOf: undefined, properties: { ...s.properties }, required: [...(s.required ?? [])] }
    for (const p of parts) {
      Object.assign(merged.properties, p.properties)
      merged.required.push(...(p.required ?? []))
      if (p.type) merged.type = p.type
    }
    return merged
  }
  return s
}

/**
 * Where our request schema is not PPRO's: a field PPRO does not define, a different set of required
 * fields, an enum value or a type PPRO does not allow. Unions (PPRO's `oneOf` of authentication
 * types, ours a discriminated union) are compared variant by variant on their `type`.
 */
function incompatibilities(spec: Json, ours: Json, theirsRaw: Json, at: string): string[] {
  const theirs = resolve(spec, theirsRaw)
  const errors: string[] = []
  const variants = (ours.anyOf ?? ours.oneOf) as Json[] | undefined
  const theirVariants = ((theirs.anyOf ?? theirs.oneOf) as Json[] | undefined)?.map((v) => resolve(spec, v))
  // Ours one object whose `type` names several of PPRO's shapes: compare it as each of them.
  const oursAsUnion = !variants && ours.properties?.type?.enum && (theirs.anyOf ?? theirs.oneOf) ? [ours] : undefined
  if (variants || oursAsUnion) {
    for (const v of variants ?? oursAsUnion!) {
      if (v.type === 'null') continue
      const tags: unknown[] =
        v.properties?.type?.const !== undefined ? [v.properties.type.const] : (v.properties?.type?.enum ?? [undefined])
      for (const tag of tags) {
        // One of our variants may stand for several of PPRO's: compare it as each of them.
        const as = tag === undefined ? v : { ...v, properties: { ...v.properties, type: { type: 'string', const: tag } } }
        const match = theirVariants
          ? theirVariants.find((x) => [x.properties?.type?.const, ...(x.properties?.type?.enum ?? [])].includes(tag))
          : theirs
        if (!match) errors.push(`${at}: variant type=${tag} is not one of PPRO's`)
        else errors.push(...incompatibilities(spec, as, match, `${at}<${tag}>`))
      }
    }
    return errors
  }
  const hasFields = (x: Json) => x.properties && Object.keys(x.properties).length > 0
  if (hasFields(ours) && !theirs.properties && theirVariants) {
    // PPRO's is a union of shapes (industry data by type, instruments): ours must fit one of them.
    const fits = theirVariants.map((v) => incompatibilities(spec, ours, v, at))
    return fits.some((f) => f.length === 0) ? errors : [...errors, ...fits.sort((a, b) => a.length - b.length)[0]!]
  }
  if (ours.const !== undefined && theirs.enum && !theirs.enum.includes(ours.const)) errors.push(`${at}: value ${ours.const} is not PPRO's`)
  if (ours.enum && theirs.enum) for (const v of ours.enum) if (!theirs.enum.includes(v)) errors.push(`${at}: enum value ${v} is not PPRO's`)
  const type = (s: Json) => [s.type].flat().filter(Boolean) as string[]
  if (type(ours).length && type(theirs).length)
    for (const ty of type(ours))
      if (!type(theirs).includes(ty) && !(ty === 'integer' && type(theirs).includes('number')))
        errors.push(`${at}: type ${ty}, PPRO has ${type(theirs)}`)
  if (ours.type === 'array' && ours.items) errors.push(...incompatibilities(spec, ours.items, theirs.items ?? {}, `${at}[]`))
  if (hasFields(ours)) {
    if (!theirs.properties) return [...errors, `${at}: an object with fields where PPRO defines none`]
    for (const [name, s] of Object.entries(ours.properties as Record<string, Json>)) {
      if (!(name in theirs.properties)) errors.push(`${at}.${name}: not a field of PPRO's`)
      else errors.push(...incompatibilities(spec, s, theirs.properties[name], `${at}.${name}`))
    }
    const mine = [...(ours.required ?? [])].sort()
    const pproRequired = [...new Set<string>(theirs.required ?? [])].sort()
    if (JSON.stringify(mine) !== JSON.stringify(pproRequired)) errors.push(`${at}: requires [${mine}], PPRO requires [${pproRequired}]`)
  }
  return errors
}

/**
 * Where the sandbox's request schemas knowingly differ from PPRO's files, and why. Everything else a
 * comparison finds fails the test; an entry that no longer matches fails it too.
 */
const KNOWN: Array<[RegExp, string]> = [
  [
    /\.order\.industryData\[\]<\w+>: requires \[type\], PPRO requires \[details,type\]$/,
    "industry data is accepted without details: KakaoPay ignores it, so the sandbox does not validate PPRO's per-industry shapes",
  ],
  [
    /^post \/v1\/payment-(agreements|sessions).*authenticationSettings\[\]: variant type=APP_INTENT is not one of PPRO's$/,
    "the agreements and sessions files omit APP_INTENT authentication settings; the sandbox takes the charges file's list for all",
  ],
  [
    /^post \/v1\/payment-agreements\/\{agreementId\}\/authorizations: requires \[authenticationResult\], PPRO requires \[\]$/,
    'the charges file requires authenticationResult in a ConfirmationRequest and the agreements file does not; one schema serves both',
  ],
]

t.test('GET /openapi.json is valid OpenAPI 3.1 and describes every route', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  const doc = res.json() as Json
  t.equal(doc.openapi, '3.1.0')
  const result = await new Validator().validate(structuredClone(doc))
  t.same(result.errors ?? [], [], 'no validation errors')
  t.equal(result.valid, true, 'valid OpenAPI 3.1')

  const described = new Set<string>()
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>))
    for (const m of METHODS) if (item[m]) described.add(`${m.toUpperCase()} ${path}`)
  const documented = Object.keys(OPERATIONS).map((k) => {
    const [method, url] = k.split(' ')
    return `${method} ${toOpenApiPath(url!)}`
  })
  // Every PPRO operation has its line (it names PPRO's response); other routes fall back to their method and path.
  t.same(
    [...described].filter((op) => op.split(' ')[1]!.startsWith('/v1/') && !documented.includes(op)),
    [],
    'every /v1 route has its line in src/http/openapi/operations.ts',
  )
  for (const op of [
    'GET /health',
    'GET /checkout/{id}',
    'POST /sandbox/payment-charges/{paymentChargeId}/approve',
    'GET /sandbox/status',
    'GET /docs',
  ])
    t.ok(described.has(op), `${op} is described`)
  const again = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(again.body, res.body, 'built once, served the same')
})

t.test("every PPRO operation in it is PPRO's: same path and method, query parameters and request body PPRO's", async (t) => {
  const { app } = await buildTestApp(t)
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json
  let compared = 0
  const seen = new Set<(typeof KNOWN)[number]>()
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    if (!path.startsWith('/v1/')) continue
    for (const method of METHODS) {
      const op = item[method]
      if (!op) continue
      const found = pproOperation(path, method)
      if (op['x-sandbox-only']) {
        t.notOk(found, `${method} ${path} is marked sandbox-only and PPRO indeed has no such operation`)
        continue
      }
      if (!t.ok(found, `${method.toUpperCase()} ${path} is in PPRO's files`)) continue
      const { spec, op: theirs } = found!
      const params = (ps: Json[] = [], where: string) => ps.filter((p) => p.in === where).map((p) => p.name)
      for (const q of params(op.parameters, 'query'))
        t.ok(params(theirs.parameters, 'query').includes(q), `${method} ${path}: query parameter ${q} is PPRO's`)
      t.equal(params(op.parameters, 'path').length, params(theirs.parameters, 'path').length, `${method} ${path}: as many path parameters`)
      t.equal(Boolean(op.requestBody), Boolean(theirs.requestBody), `${method} ${path}: a request body where PPRO has one`)
      if (op.requestBody && theirs.requestBody) {
        const schema = (Object.values(theirs.requestBody.content as Record<string, Json>)[0] ?? {}).schema
        const found = incompatibilities(spec, op.requestBody.content['application/json'].schema, schema, `${method} ${path}`)
        for (const f of found) {
          const known = KNOWN.find(([pattern]) => pattern.test(f))
          t.ok(known, `${f}${known ? ` (known: ${known[1]})` : ''}`)
          if (known) seen.add(known)
        }
      }
      t.ok(
        Object.keys(theirs.responses).includes(Object.keys(op.responses)[0]!),
        `${method} ${path}: PPRO answers ${Object.keys(op.responses)[0]} too`,
      )
      compared++
    }
  }
  t.ok(compared >= 20, `${compared} PPRO operations compared`)
  t.same(
    KNOWN.filter((k) => !seen.has(k)).map(([p]) => String(p)),
    [],
    'every known difference still exists (remove the ones fixed)',
  )
})

t.test('the comparison can fail: a field, a required field and an enum value PPRO does not have are caught', async (t) => {
  const spec = PPRO.charges!
  const theirs = { $ref: '#/components/schemas/RefundRequest' }
  t.same(
    incompatibilities(
      spec,
      {
        type: 'object',
        properties: { amount: { type: 'integer' }, refundReason: { type: 'string', enum: ['RETURN', 'BORED'] }, tip: { type: 'integer' } },
        required: ['amount', 'tip'],
      },
      theirs,
      'refund',
    ),
    [
      "refund.refundReason: enum value BORED is not PPRO's",
      "refund.tip: not a field of PPRO's",
      'refund: requires [amount,tip], PPRO requires [amount]',
    ],
  )
})

t.test('GET /docs renders the reference from the document, with a strict CSP and its own style sheet', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/docs' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.equal(
    res.headers['content-security-policy'],
    "default-src 'none'; style-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  )
  t.notMatch(res.body, /<script|https?:\/\/(?!www\.ppro)/, 'no script, no other origin')
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>))
    for (const m of METHODS) if (item[m]) t.match(res.body, `id="${item[m].operationId}"`, `${m} ${path} has its section`)
  t.match(res.body, '<code class="field">paymentMethod</code> <span class="type">string</span> <span class="req">required</span>')
  const css = await app.inject({ method: 'GET', url: '/docs/docs.css' })
  t.equal(css.statusCode, 200)
  t.match(css.headers['content-type'], /^text\/css/)
})
