import { readFileSync } from 'node:fs'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

/**
 * PPRO's published OpenAPI files (vendored in test/fixtures/ppro-openapi, see SOURCE.md there) as JSON
 * Schema validators: the file as one schema with an $id, validated twice, once
 * as published and once against a stricter in-memory copy that rejects fields PPRO does not define.
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020
const OPENAPI_DIR = new URL('../fixtures/ppro-openapi/', import.meta.url)
const FILES = {
  charges: 'ppro-payment-charges.json',
  agreements: 'ppro-payment-agreements.json',
  webhooks: 'ppro-gpg-webhooks.json',
  sessions: 'ppro-payment-sessions.json',
} as const
export type SpecName = keyof typeof FILES

type Json = Record<string, unknown>

/** Component schemas used as an `allOf` base must stay open, or their subtypes' fields are refused. */
function allOfBases(doc: Json): Set<string> {
  const bases = new Set<string>()
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (!node || typeof node !== 'object') return
    const o = node as Json
    if (Array.isArray(o.allOf)) {
      for (const part of o.allOf as Json[]) {
        const ref = part.$ref
        if (typeof ref === 'string') bases.add(ref.split('/').pop()!)
      }
    }
    Object.values(o).forEach(walk)
  }
  walk(doc)
  return bases
}

function strictCopy(doc: Json): Json {
  const copy = structuredClone(doc)
  const bases = allOfBases(copy)
  const schemas = ((copy.components as Json).schemas ?? {}) as Record<string, Json>
  for (const [name, schema] of Object.entries(schemas)) {
    if (schema.properties && !bases.has(name)) schema.unevaluatedProperties = false
  }
  for (const hook of Object.values((copy.webhooks ?? {}) as Record<string, Json>)) {
    const env = ((((hook.post as Json).requestBody as Json).content as Json)['application/json'] as Json).schema as Json
    env.unevaluatedProperties = false
  }
  return copy
}

/**
 * The sessions file with the discriminators it implies written out, so a REDIRECT authentication method
 * and the `data` of an authorization match one `oneOf` branch each. Each change, and why, is in
 * test/fixtures/ppro-openapi/SESSIONS-DISCRIMINATORS.md. The published file is never edited.
 */
export function discriminatedSessions(doc: Json): Json {
  const copy = structuredClone(doc)
  const schemas = (copy.components as Json).schemas as Record<string, Json>
  const typed = (name: string, values: string[]) => {
    const schema = schemas[name]!
    schema.properties = { ...(schema.properties as Json | undefined), type: { type: 'string', enum: values } }
    schema.required = [...new Set([...((schema.required as string[] | undefined) ?? []), 'type'])]
  }
  // AuthenticationMethod's discriminator maps these two types to these schemas; they alone lack the enum.
  typed('MultiFactorAuthenticationMethod', ['MULTI_FACTOR'])
  typed('AppNotificationAuthenticationMethod', ['APP_NOTIFICATION'])
  // PaymentObjectDetails is discriminated by `type` (CHARGE or AGREEMENT); each variant takes its value.
  typed('PaymentChargeDetails', ['CHARGE'])
  typed('PaymentAgreementDetails', ['AGREEMENT'])
  return copy
}

const cache = new Map<string, { loose: ValidateFunction; strict: ValidateFunction }>()
const ajvs = new Map<boolean, Ajv2020>()

function ajv(strict: boolean): Ajv2020 {
  let a = ajvs.get(strict)
  if (!a) {
    a = addFormats(new Ajv2020({ strict: false, allErrors: true, validateFormats: true }))
    for (const [name, file] of Object.entries(FILES)) {
      const published = JSON.parse(readFileSync(new URL(file, OPENAPI_DIR), 'utf8')) as Json
      const doc = name === 'sessions' ? discriminatedSessions(published) : published
      a.addSchema({ ...(strict ? strictCopy(doc) : doc), $id: `https://ppro.example/${name}.json` })
    }
    ajvs.set(strict, a)
  }
  return a
}

function validator(spec: SpecName, pointer: string) {
  const key = `${spec}#${pointer}`
  let v = cache.get(key)
  if (!v) {
    const ref = `https://ppro.example/${spec}.json#${pointer}`
    v = { loose: ajv(false).compile({ $ref: ref }), strict: ajv(true).compile({ $ref: ref }) }
    cache.set(key, v)
  }
  return v
}

let warmed = false

/**
 * Compiles, once per test process, the checks the first requests and events of a test need. Compiling
 * takes about half a second (seconds on a busy machine) and blocks the event loop: done lazily, inside a
 * test, it would stall a webhook delivery in flight past its timeout.
 */
export function warmContractChecks(): void {
  if (warmed) return
  warmed = true
  const webhooks = JSON.parse(readFileSync(new URL(FILES.webhooks, OPENAPI_DIR), 'utf8')) as { webhooks: Record<string, unknown> }
  for (const name of Object.keys(webhooks.webhooks)) webhookErrors(name, {})
  schemaErrors('charges', 'PaymentChargeResponse', {})
}

/** Errors of a body against a component schema, published and strict; an empty list means it conforms. */
export function schemaErrors(spec: SpecName, component: string, body: unknown): string[] {
  return check(validator(spec, `/components/schemas/${component}`), body)
}

/** Errors of a webhook body against the envelope of the named webhook ("Charge Created"). */
export function webhookErrors(name: string, body: unknown): string[] {
  const pointer = `/webhooks/${name.replace(/ /g, '%20')}/post/requestBody/content/application~1json/schema`
  return check(validator('webhooks', pointer), body)
}

function check(v: { loose: ValidateFunction; strict: ValidateFunction }, body: unknown): string[] {
  const errors: string[] = []
  for (const [label, fn] of [
    ['published', v.loose],
    ['strict', v.strict],
  ] as const) {
    if (!fn(body))
      for (const e of fn.errors ?? []) errors.push(`${label}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`)
  }
  return errors
}

/** PPRO's webhook name in the webhooks file for an event type: PAYMENT_CHARGE_CREATED -> "Charge Created". */
export function webhookName(type: string): string {
  const special: Record<string, string> = {
    PAYMENT_CHARGE_DISCARDED: 'Charge Discard Succeeded',
    FUNDS_STATE_CHANGED: 'Funds State Changed',
  }
  if (special[type]) return special[type]
  const words = type.replace(/^PAYMENT_/, '').split('_')
  return words.map((w) => (w === 'BY' ? 'by' : w[0] + w.slice(1).toLowerCase())).join(' ')
}

/** Errors of a webhook body against the schema its type names, plus the fields the sandbox always sends. */
export function eventErrors(body: Record<string, unknown>): string[] {
  const errors = webhookErrors(webhookName(String(body.type)), body)
  for (const f of ['specversion', 'source', 'datacontenttype', 'id', 'type', 'subject', 'time', 'data'])
    if (!(f in body)) errors.push(`missing ${f}`)
  const data = (body.data ?? {}) as Record<string, unknown>
  if (data.type !== body.type) errors.push('data.type differs from type')
  const charge = String(body.type).startsWith('PAYMENT_CHARGE_') || body.type === 'FUNDS_STATE_CHANGED'
  const required = charge
    ? ['paymentChargeId', 'paymentChargeStatus', 'paymentMethod', 'merchantId']
    : ['paymentAgreementId', 'paymentAgreementStatus', 'paymentMethod', 'merchantId']
  for (const f of required) if (!(f in data)) errors.push(`data.${f} missing`)
  return errors
}
