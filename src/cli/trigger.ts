import type { Command, Context } from './command.js'
import { controlPath, printResource } from './controls.js'
import { UsageError } from './errors.js'
import type { Remote } from './remote.js'

const AUTHENTICATION = [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/return' } }]
const CONSUMER = { name: 'Kim Minji', country: 'KR' }

/** The request of PPRO's KakaoPay page: 15,000 won. */
const CHARGE = {
  paymentMethod: 'KAKAOPAY',
  paymentDescriptor: 'ppro-kakaopay-sandbox trigger',
  amount: { value: 15000, currency: 'KRW' },
  consumer: CONSUMER,
  authenticationSettings: AUTHENTICATION,
}

/** A monthly subscription with a first payment of 9,900 won taken on approval. */
const AGREEMENT = {
  paymentMethod: 'KAKAOPAY',
  description: 'Monthly plan',
  frequency: { type: 'MONTHLY' },
  consumer: CONSUMER,
  authenticationSettings: AUTHENTICATION,
  initialPaymentCharge: { amount: { value: 9900, currency: 'KRW' } },
}

interface Created {
  id: string
  status: string
}

type Step = (remote: Remote, created: Created, body: Record<string, any>, ctx: Context) => Promise<unknown>

const control =
  (action: string): Step =>
  (remote, c) =>
    remote.call('POST', controlPath(c.id, action))
const refund =
  (share: number): Step =>
  (remote, c, body) =>
    remote.call('POST', `/v1/payment-charges/${c.id}/refunds`, { amount: Math.max(1, Math.floor(body.amount.value * share)) })

interface Scenario {
  of: 'charge' | 'agreement'
  summary: string
  steps: Step[]
}

/** Each scenario: a charge or agreement created, then driven through the sandbox's controls to its outcome. */
export const SCENARIOS: Record<string, Scenario> = {
  captured: { of: 'charge', summary: 'approved and captured', steps: [control('approve')] },
  declined: {
    of: 'charge',
    summary: 'the payment fails (--code, default AUTHENTICATION_FAILED)',
    steps: [
      (remote, c, _b, ctx) =>
        remote.call('POST', controlPath(c.id, 'decline'), ctx.values.code ? { failureCode: ctx.values.code } : undefined),
    ],
  },
  canceled: { of: 'charge', summary: 'the consumer cancels', steps: [control('cancel')] },
  expired: { of: 'charge', summary: 'the approval page times out (DISCARDED)', steps: [control('expire')] },
  refunded: { of: 'charge', summary: 'captured, then refunded in full', steps: [control('approve'), refund(1)] },
  'partially-refunded': { of: 'charge', summary: 'captured, then half refunded', steps: [control('approve'), refund(0.5)] },
  'agreement-active': { of: 'agreement', summary: 'an agreement approved, its first charge captured', steps: [control('approve')] },
  'agreement-revoked': {
    of: 'agreement',
    summary: 'an active agreement the merchant revoked',
    steps: [control('approve'), (remote, c) => remote.call('POST', `/v1/payment-agreements/${c.id}/revocations`, {})],
  },
}

/** `--set amount.value=300000`: the value is JSON when it reads as JSON (numbers, true, objects), else a string. */
export function applySet(body: Record<string, any>, assignment: string): void {
  const eq = assignment.indexOf('=')
  if (eq <= 0) throw new UsageError(`--set takes field=value, as in --set amount.value=30000; got ${JSON.stringify(assignment)}`)
  const path = assignment.slice(0, eq).split('.')
  const raw = assignment.slice(eq + 1)
  let value: unknown = raw
  try {
    value = JSON.parse(raw)
  } catch {
    // a plain string
  }
  let node = body
  for (const key of path.slice(0, -1)) {
    if (node[key] === null || typeof node[key] !== 'object') node[key] = {}
    node = node[key]
  }
  node[path.at(-1)!] = value
}

const scenarioList = () =>
  Object.entries(SCENARIOS)
    .map(([name, s]) => `  ${name.padEnd(20)}${s.summary}`)
    .join('\n')

export const trigger: Command = {
  name: 'trigger',
  usage: 'trigger <scenario> [--set field=value]... [--code <failureCode>]',
  summary: 'create a charge or agreement and drive it to a named outcome',
  details: `Scenarios:\n${scenarioList()}\n--set overrides a field of the create request (dots for nested fields).`,
  remote: true,
  options: { json: { type: 'boolean' }, set: { type: 'string', multiple: true }, code: { type: 'string' } },
  async run(ctx) {
    const [name, ...more] = ctx.positionals
    const scenario = name === undefined ? undefined : SCENARIOS[name]
    if (!scenario || more.length > 0)
      throw new UsageError(`trigger takes one scenario: ${Object.keys(SCENARIOS).join(', ')}${name && !scenario ? ` (not ${name})` : ''}`)
    const body: Record<string, any> = structuredClone(scenario.of === 'charge' ? CHARGE : AGREEMENT)
    for (const s of (ctx.values.set as string[] | undefined) ?? []) applySet(body, s)
    const remote = ctx.remote()
    const base = scenario.of === 'charge' ? '/v1/payment-charges' : '/v1/payment-agreements'
    const created = await remote.call<Created>('POST', base, body)
    for (const step of scenario.steps) await step(remote, created, body, ctx)
    const final = await remote.call<Created & { initialPaymentChargeId?: string }>('GET', `${base}/${created.id}`)
    printResource(ctx, final, final.initialPaymentChargeId ? `  first charge ${final.initialPaymentChargeId}` : '')
    return 0
  },
}
