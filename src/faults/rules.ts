import * as z from 'zod'
import { describeIssues } from '../http/validation.js'

/**
 * The shape of fault rules, as `POST /sandbox/faults` takes them and as the developer kit and scripts
 * build them. Types here are the public, client-side contract; the store compiles them once.
 */

export const API_FAULT_KINDS = ['latency', 'error', 'lost-response', 'disconnect', 'reset', 'hang'] as const
export const WEBHOOK_FAULT_KINDS = ['duplicate', 'reorder', 'delay', 'bad-signature', 'stale-signature'] as const
export type ApiFaultKind = (typeof API_FAULT_KINDS)[number]
export type WebhookFaultKind = (typeof WEBHOOK_FAULT_KINDS)[number]

/** Statuses an `error` fault may answer (instead of processing) and a `lost-response` may answer (after it). */
export const ERROR_STATUSES = [429, 500, 502, 503, 504] as const
export const LOST_RESPONSE_STATUSES = [500, 502, 503, 504] as const

/** The failure messages of the envelope, PPRO's own wording where its OpenAPI gives one. */
export const FAULT_MESSAGES: Record<number, string> = {
  429: 'Too many requests: retry after the time in Retry-After',
  500: 'Internal server error',
  502: 'Bad gateway: the upstream dependency answered with an error',
  503: 'Service unavailable',
  504: 'Call to the upstream dependency timed out.',
}

export const WEBHOOK_EVENT_TYPES = [
  'PAYMENT_CHARGE_CREATED',
  'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
  'PAYMENT_CHARGE_DISCARDED',
  'PAYMENT_CHARGE_PROVIDER_CONFIRMATION_PENDING',
  'PAYMENT_CHARGE_AUTHORIZATION_SUCCEEDED',
  'PAYMENT_CHARGE_AUTHORIZATION_FAILED',
  'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
  'PAYMENT_CHARGE_REFUND_PENDING',
  'PAYMENT_CHARGE_REFUND_SUCCEEDED',
  'PAYMENT_CHARGE_REFUND_FAILED',
  'FUNDS_STATE_CHANGED',
  'PAYMENT_AGREEMENT_CREATED',
  'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING',
  'PAYMENT_AGREEMENT_ACTIVE',
  'PAYMENT_AGREEMENT_FAILED',
  'PAYMENT_AGREEMENT_REVOKED_BY_CONSUMER',
  'PAYMENT_AGREEMENT_REVOKED_BY_MERCHANT',
  'PAYMENT_AGREEMENT_REVOKED_BY_PROVIDER',
] as const

/** Added latency: a fixed number of milliseconds, or a range drawn from uniformly. */
export type Latency = number | { min: number; max: number }

export interface ApiFault {
  kind: ApiFaultKind
  /** `error`: 429, 500, 502, 503 or 504 (default 500); `lost-response`: 500, 502, 503 or 504 (default 504). */
  status?: number
  /** Waited before the fault acts (required for `latency`; allowed with every kind). */
  latencyMs?: Latency
  /** `Retry-After` of a 429, in seconds (default 1). */
  retryAfterSeconds?: number
}

export interface ApiMatch {
  /** Any method when left out. */
  method?: 'GET' | 'POST'
  /** A path of PPRO's API, literal or a template (`/v1/payment-charges/{id}/refunds`); any `/v1` path when left out. */
  path?: string
  /** Only requests whose body carries this reference, or about the charge that has it. */
  merchantPaymentChargeReference?: string
}

export interface WebhookFault {
  kind: WebhookFaultKind
  /** Only events of this type; any event when left out. */
  eventType?: (typeof WEBHOOK_EVENT_TYPES)[number]
  /** `delay`: how long the event is held (sandbox clock; default 60). `reorder`: the longest it is held waiting for the next event (default 60). */
  delaySeconds?: number
  /** `stale-signature`: how old the `PPRO-Signature` timestamp is made (default 3600). */
  staleSeconds?: number
}

/** How often a rule fires: the next `count` matching requests (default 1), or each with `probability`, drawn from `seed` (default 1). */
export interface FaultSchedule {
  count?: number
  probability?: number
  seed?: number
}

export type ApiFaultRuleInput = { match?: ApiMatch; fault: ApiFault } & FaultSchedule
export type WebhookFaultRuleInput = { webhook: WebhookFault } & FaultSchedule
/** What `POST /sandbox/faults` takes. */
export type FaultRuleInput = ApiFaultRuleInput | WebhookFaultRuleInput

/**
 * An API fault as the request journal, timelines and the event stream show it: which fault, from which
 * rule (or the `Sandbox-Fault` request header), and how it acted.
 */
export interface RequestFault {
  kind: ApiFaultKind
  /** `rule`: a rule of `/sandbox/faults` (`ruleId`); `header`: the request's own `Sandbox-Fault` header. */
  source: 'rule' | 'header'
  ruleId?: string
  /** The status an `error` or `lost-response` fault answered. */
  status?: number
  /** The latency added, in milliseconds (drawn, for a range). */
  latencyMs?: number
  retryAfterSeconds?: number
  /** `lost-response`, `disconnect`: the status the request was processed to, whose answer the client never got. */
  processedStatus?: number
}

/** A webhook fault as a `delivery` message shows it: which rule, and how it changed this attempt. */
export interface AttemptFault {
  kind: WebhookFaultKind
  ruleId: string
  /** `delay`: how long the event was held (sandbox seconds). */
  delaySeconds?: number
  /** `stale-signature`: how old the `PPRO-Signature` timestamp was made. */
  staleSeconds?: number
  /** `duplicate`: 2 on the second copy of the event. */
  copy?: number
}

/** A rule as `GET /sandbox/faults` lists it. */
export type FaultRule = (
  { match: ApiMatch; fault: ApiFault; webhook?: never } | { webhook: WebhookFault; match?: never; fault?: never }
) & {
  id: string
  count?: number
  probability?: number
  seed: number
  /** Matches still to fault, for a `count` rule. */
  remaining?: number
  /** How many requests or deliveries matched the rule (each one a draw, for a probability rule). */
  matched: number
  /** How many of them it faulted. */
  fired: number
  createdAt: string
}

const MAX_LATENCY_MS = 120_000
const TEN_YEARS_S = 10 * 366 * 86_400

const LatencySchema = z.union([
  z.int().min(0).max(MAX_LATENCY_MS),
  z
    .strictObject({ min: z.int().min(0).max(MAX_LATENCY_MS), max: z.int().min(0).max(MAX_LATENCY_MS) })
    .refine((r) => r.min <= r.max, { message: 'min must not be more than max' }),
])

const ApiFaultSchema = z
  .strictObject({
    kind: z.enum(API_FAULT_KINDS),
    status: z.int().optional(),
    latencyMs: LatencySchema.optional(),
    retryAfterSeconds: z.int().min(0).max(86_400).optional(),
  })
  .superRefine((f, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
    const statuses: readonly number[] | undefined =
      f.kind === 'error' ? ERROR_STATUSES : f.kind === 'lost-response' ? LOST_RESPONSE_STATUSES : undefined
    if (f.status !== undefined && !statuses) issue('status', `is not taken by a ${f.kind} fault, which answers no status`)
    if (f.status !== undefined && statuses && !statuses.includes(f.status))
      issue('status', `must be one of ${statuses.join(', ')} for ${f.kind === 'error' ? 'an' : 'a'} ${f.kind} fault`)
    if (f.kind === 'latency' && f.latencyMs === undefined) issue('latencyMs', 'is required for a latency fault')
    if (f.retryAfterSeconds !== undefined && !(f.kind === 'error' && f.status === 429))
      issue('retryAfterSeconds', 'is taken only by an error fault with status 429')
  })

const PATH_TEMPLATE = /^\/v1(\/([A-Za-z0-9._~-]+|\{[A-Za-z][A-Za-z0-9]*\}))+\/?$/

const ApiMatchSchema = z.strictObject({
  method: z.enum(['GET', 'POST']).optional(),
  path: z
    .string()
    .refine((p) => PATH_TEMPLATE.test(p), "must be a path of PPRO's API, literal or a template such as /v1/payment-charges/{id}/refunds")
    .optional(),
  merchantPaymentChargeReference: z.string().min(1).optional(),
})

const WebhookFaultSchema = z
  .strictObject({
    kind: z.enum(WEBHOOK_FAULT_KINDS),
    eventType: z.enum(WEBHOOK_EVENT_TYPES).optional(),
    delaySeconds: z.number().positive().max(TEN_YEARS_S).optional(),
    staleSeconds: z.int().positive().max(TEN_YEARS_S).optional(),
  })
  .superRefine((f, ctx) => {
    if (f.delaySeconds !== undefined && f.kind !== 'delay' && f.kind !== 'reorder')
      ctx.addIssue({ code: 'custom', path: ['delaySeconds'], message: 'is taken only by delay and reorder faults' })
    if (f.staleSeconds !== undefined && f.kind !== 'stale-signature')
      ctx.addIssue({ code: 'custom', path: ['staleSeconds'], message: 'is taken only by a stale-signature fault' })
  })

const schedule = {
  count: z.int().min(1).max(1_000_000).optional(),
  probability: z.number().gt(0).max(1).optional(),
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
}

const scheduleCheck = (r: FaultSchedule, ctx: z.RefinementCtx) => {
  if (r.count !== undefined && r.probability !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['probability'],
      message: 'cannot be given with count: a rule fires the next count matches, or each with a probability',
    })
}

const ApiRuleSchema = z.strictObject({ match: ApiMatchSchema.optional(), fault: ApiFaultSchema, ...schedule }).superRefine(scheduleCheck)
const WebhookRuleSchema = z.strictObject({ webhook: WebhookFaultSchema, ...schedule }).superRefine(scheduleCheck)

export type ParsedRule =
  | { target: 'api'; match: ApiMatch; fault: ApiFault; schedule: FaultSchedule }
  | { target: 'webhook'; webhook: WebhookFault; schedule: FaultSchedule }

/** Validates a rule body; the error names each field and what is wrong with it. */
export function parseRule(body: unknown): { rule: ParsedRule } | { error: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { error: 'the request body must be a fault rule object' }
  const isWebhook = 'webhook' in body
  if (!isWebhook && !('fault' in body)) return { error: 'a fault rule needs "fault" (an API fault) or "webhook" (a webhook fault)' }
  if (isWebhook) {
    const r = WebhookRuleSchema.safeParse(body)
    if (!r.success) return { error: describeIssues(r.error.issues) }
    const { webhook, ...s } = r.data
    return { rule: { target: 'webhook', webhook, schedule: s } }
  }
  const r = ApiRuleSchema.safeParse(body)
  if (!r.success) return { error: describeIssues(r.error.issues) }
  const { match, fault, ...s } = r.data
  return { rule: { target: 'api', match: match ?? {}, fault, schedule: s } }
}

/** The request header that forces a fault on one request. */
export const FAULT_HEADER = 'sandbox-fault'

/**
 * Parses `Sandbox-Fault: <kind>[; status=<code>][; latencyMs=<ms>|<min>-<max>][; retryAfterSeconds=<s>]`,
 * e.g. `lost-response; status=504` or `latency; latencyMs=200-400`, with the rules' own validation.
 */
export function parseFaultHeader(value: string | string[]): { fault: ApiFault } | { error: string } {
  const text = Array.isArray(value) ? value.join(';') : value
  const [kind, ...params] = text.split(';').map((p) => p.trim())
  const fault: Record<string, unknown> = { kind }
  for (const p of params) {
    if (p === '') continue
    const m = /^([A-Za-z]+)=(.*)$/.exec(p)
    if (!m) return { error: `"${p}" is not a name=value parameter` }
    const [, name, raw] = m as unknown as [string, string, string]
    const range = /^(\d+)-(\d+)$/.exec(raw)
    fault[name] = name === 'latencyMs' && range ? { min: Number(range[1]), max: Number(range[2]) } : /^\d+$/.test(raw) ? Number(raw) : raw
  }
  const r = ApiFaultSchema.safeParse(fault)
  if (!r.success) return { error: describeIssues(r.error.issues) }
  return { fault: r.data }
}

const latencyText = (l: Latency) => (typeof l === 'number' ? String(l) : `${l.min}-${l.max}`)

/**
 * The `Sandbox-Fault` response header and log text of an applied fault, in the request header's syntax:
 * `lost-response; status=504; rule=fault_…` (or `source=header` when the request forced it).
 */
export function describeApiFault(f: ApiFault, source: string, waitedMs?: number): string {
  let s: string = f.kind
  const status = faultStatus(f)
  if (status !== undefined) s += `; status=${status}`
  if (f.latencyMs !== undefined) s += `; latencyMs=${waitedMs ?? latencyText(f.latencyMs)}`
  if (status === 429) s += `; retryAfterSeconds=${f.retryAfterSeconds ?? 1}`
  return `${s}; ${source}`
}

/**
 * The `fault` of a webhook attempt (`duplicate; copy=2; rule=fault_3`, as the delivery log records it)
 * as a `delivery` message shows it; undefined for anything that is not such a label.
 */
export function attemptFaultOf(label: string | undefined): AttemptFault | undefined {
  if (label === undefined) return undefined
  const [kind, ...params] = label.split(';').map((p) => p.trim())
  if (!(WEBHOOK_FAULT_KINDS as readonly string[]).includes(kind!)) return undefined
  const fault: AttemptFault = { kind: kind as WebhookFaultKind, ruleId: '' }
  for (const p of params) {
    const eq = p.indexOf('=')
    const name = p.slice(0, eq)
    const value = p.slice(eq + 1)
    if (name === 'rule') fault.ruleId = value
    else if (name === 'delaySeconds' || name === 'staleSeconds' || name === 'copy') fault[name] = Number(value)
  }
  return fault
}

/** The status an error or lost-response fault answers. */
export function faultStatus(f: ApiFault): number | undefined {
  if (f.kind === 'error') return f.status ?? 500
  if (f.kind === 'lost-response') return f.status ?? 504
  return undefined
}
