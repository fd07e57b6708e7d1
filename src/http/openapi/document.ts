import * as z from 'zod'
import { OPERATIONS, tagOf, type OperationDoc } from './operations.js'
import type { RegisteredRoute } from './registry.js'

type Json = Record<string, unknown>

/** PPRO's error body, as every error of the API answers it (`ExceptionResponseBody`). */
const ErrorBodySchema = z.object({
  status: z.int().describe('The HTTP status'),
  failureMessage: z.string().describe('What is wrong, naming the field or rule'),
  timestamp: z.iso.datetime().describe('Sandbox time of the answer'),
})

const TAGS = [
  { name: 'Payment charges', description: "PPRO's one-time payments, as KakaoPay answers them" },
  { name: 'Payment agreements', description: "PPRO's recurring payments" },
  { name: 'Sandbox controls', description: "Sandbox only, outside PPRO's /v1: force outcomes, move the clock, inspect webhooks, reset" },
  { name: 'Observability', description: 'Sandbox only: the event feed, the request journal and timelines' },
  { name: 'Approval page', description: "The consumer's KakaoPay page" },
  { name: 'Service', description: 'Health and self-description' },
]

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), the shape of what a client sends. */
function jsonSchema(schema: unknown): Json {
  const out = z.toJSONSchema(schema as z.ZodType, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json
  delete out.$schema
  return out
}

/** `{a, b}` of an object schema, or of the object inside a nullable one (a body-less POST's optional body). */
function objectPart(schema: Json): { schema: Json; optional: boolean } {
  const options = schema.anyOf as Json[] | undefined
  if (options) {
    const object = options.find((o) => o.type !== 'null')
    if (object && options.some((o) => o.type === 'null')) return { schema: object, optional: true }
  }
  return { schema, optional: false }
}

function parameters(schema: unknown, where: 'path' | 'query'): Json[] {
  if (!schema) return []
  const { properties = {}, required = [] } = objectPart(jsonSchema(schema)).schema as {
    properties?: Record<string, Json>
    required?: string[]
  }
  return Object.entries(properties).map(([name, s]) => {
    const { description, ...rest } = s
    return {
      name,
      in: where,
      required: where === 'path' || required.includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    }
  })
}

const json = (schema: Json) => ({ 'application/json': { schema } })

function operation(route: RegisteredRoute, doc: OperationDoc | undefined): Json {
  const ppro = route.url.startsWith('/v1/')
  const authenticated = !doc?.public
  const params: Json[] = [...parameters(route.schema?.params, 'path'), ...parameters(route.schema?.querystring, 'query')]
  if (authenticated) params.push({ $ref: '#/components/parameters/MerchantId' })
  if (authenticated && route.method === 'POST') params.push({ $ref: '#/components/parameters/IdempotencyKey' })
  const ok = doc?.status ?? 200
  const type = doc?.contentType ?? 'application/json'
  const responses: Json = {
    [ok]: {
      description: doc?.returns ? `${ppro && !doc.sandboxOnly ? "PPRO's " : ''}${doc.returns}` : 'OK',
      ...(ok === 303
        ? {}
        : { content: { [type]: { schema: type === 'application/json' ? { type: ['object', 'array'] } : { type: 'string' } } } }),
    },
  }
  if (authenticated) {
    responses['400'] = { $ref: '#/components/responses/Error' }
    responses['401'] = { $ref: '#/components/responses/Unauthorized' }
    responses['404'] = { $ref: '#/components/responses/Error' }
    if (route.method === 'POST') responses['409'] = { $ref: '#/components/responses/Error' }
  }
  const out: Json = {
    operationId: operationId(route),
    summary: doc?.summary ?? `${route.method} ${route.url}`,
    tags: [tagOf(route.url)],
    ...(params.length > 0 ? { parameters: params } : {}),
    responses,
    ...(authenticated ? {} : { security: [] }),
    ...(doc?.sandboxOnly ? { 'x-sandbox-only': true } : {}),
  }
  if (route.schema?.body) {
    const { schema, optional } = objectPart(jsonSchema(route.schema.body))
    out.requestBody = { required: !optional, content: json(schema) }
  }
  return out
}

/** `post_v1_payment_charges_paymentChargeId_refunds`: unique per method and path. */
function operationId(route: RegisteredRoute): string {
  return `${route.method.toLowerCase()}${route.url.replace(/[/:{}.-]+/g, '_').replace(/_+$/, '')}`
}

export const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

/** The OpenAPI 3.1 document of every registered route. */
export function buildDocument(routes: readonly RegisteredRoute[], baseUrl: string): Json {
  const paths: Record<string, Json> = {}
  for (const route of routes) {
    const path = toOpenApiPath(route.url)
    paths[path] ??= {}
    paths[path]![route.method.toLowerCase()] = operation(route, OPERATIONS[`${route.method} ${route.url}`])
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ppro-kakaopay-sandbox',
      version: '1',
      description:
        "PPRO's Global payments API for KakaoPay, simulated: PPRO's own operations under /v1, and the sandbox's controls and observability under /sandbox. Generated from the schemas the sandbox validates requests with.",
    },
    servers: [{ url: baseUrl }],
    tags: TAGS,
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Any non-empty key unless API_KEYS is set' } },
      parameters: {
        MerchantId: {
          name: 'Merchant-Id',
          in: 'header',
          required: true,
          description: 'The merchant: each is an isolated tenant',
          schema: { type: 'string' },
        },
        IdempotencyKey: {
          name: 'Request-Idempotency-Key',
          in: 'header',
          required: false,
          description: 'A repeat with the same key answers the first result (24 hours of sandbox time)',
          schema: { type: 'string' },
        },
      },
      schemas: { ExceptionResponseBody: jsonSchema(ErrorBodySchema) },
      responses: {
        Error: { description: "PPRO's error envelope", content: json({ $ref: '#/components/schemas/ExceptionResponseBody' }) },
        Unauthorized: {
          description: 'Missing or wrong credentials',
          content: json({ type: 'object', properties: { message: { const: 'Unauthorized' } }, required: ['message'] }),
        },
      },
    },
  }
}
