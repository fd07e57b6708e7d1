import type { ApiFault, FaultRule, FaultRuleInput, WebhookFault } from '../faults/rules.js'
import type { Command, Context } from './command.js'
import { UsageError } from './errors.js'

/**
 * `faults add|list|remove|clear`: the merchant's fault rules (`/sandbox/faults`, docs/faults.md) from
 * the command line. `add` takes a preset and flags, or a whole rule as JSON (`--rule`).
 */

type ApiPreset = { target: 'api'; summary: string; fault: ApiFault }
type WebhookPreset = { target: 'webhook'; summary: string; webhook: WebhookFault }

export const PRESETS: Record<string, ApiPreset | WebhookPreset> = {
  '504-after': {
    target: 'api',
    summary: 'processed, then answered 504 (the lost response)',
    fault: { kind: 'lost-response', status: 504 },
  },
  'lost-response': { target: 'api', summary: 'processed, then answered --status (default 504)', fault: { kind: 'lost-response' } },
  error: { target: 'api', summary: 'answered --status (default 500; 429 takes --retry-after) unprocessed', fault: { kind: 'error' } },
  latency: { target: 'api', summary: 'the normal answer, --latency ms later (300, or 100-400)', fault: { kind: 'latency' } },
  disconnect: { target: 'api', summary: 'processed, then the connection is closed before any byte', fault: { kind: 'disconnect' } },
  reset: { target: 'api', summary: 'the connection is reset; nothing processed', fault: { kind: 'reset' } },
  hang: { target: 'api', summary: "no answer ever: the client's timeout must fire", fault: { kind: 'hang' } },
  duplicate: { target: 'webhook', summary: 'the webhook sent twice, same event id', webhook: { kind: 'duplicate' } },
  reorder: { target: 'webhook', summary: 'the webhook held until the next event of its charge went out', webhook: { kind: 'reorder' } },
  delay: { target: 'webhook', summary: 'the webhook sent --delay-seconds (default 60) late, sandbox time', webhook: { kind: 'delay' } },
  'bad-signature': { target: 'webhook', summary: 'the webhook signed with a wrong secret', webhook: { kind: 'bad-signature' } },
  'stale-signature': {
    target: 'webhook',
    summary: 'the PPRO-Signature timestamp --stale-seconds (default 3600) old',
    webhook: { kind: 'stale-signature' },
  },
}

const API_FLAGS = ['method', 'path', 'reference', 'status', 'latency', 'retry-after'] as const
const WEBHOOK_FLAGS = ['event-type', 'delay-seconds', 'stale-seconds'] as const
const SCHEDULE_FLAGS = ['count', 'probability', 'seed'] as const

function number(ctx: Context, flag: string): number | undefined {
  const v = ctx.values[flag]
  if (typeof v !== 'string') return undefined
  if (v.trim() === '' || !Number.isFinite(Number(v))) throw new UsageError(`--${flag} takes a number, not ${JSON.stringify(v)}`)
  return Number(v)
}

const given = (ctx: Context, flags: readonly string[]) => flags.filter((f) => ctx.values[f] !== undefined)

/** The rule `faults add` sends: from `--rule`, or from a preset and its flags. */
export function ruleFrom(ctx: Context, preset: string | undefined): FaultRuleInput {
  if (typeof ctx.values.rule === 'string') {
    const other = given(ctx, [...API_FLAGS, ...WEBHOOK_FLAGS, ...SCHEDULE_FLAGS])
    if (preset !== undefined || other.length > 0) throw new UsageError('--rule is the whole rule: give it no preset and no other flag')
    try {
      return JSON.parse(ctx.values.rule) as FaultRuleInput
    } catch {
      throw new UsageError(`--rule takes a rule as JSON, as in --rule '{"fault":{"kind":"reset"}}'`)
    }
  }
  const p = preset === undefined ? undefined : PRESETS[preset]
  if (!p)
    throw new UsageError(
      `faults add takes a preset (${Object.keys(PRESETS).join(', ')})${preset === undefined ? '' : `, not ${JSON.stringify(preset)}`}, or --rule <json>`,
    )
  const schedule: Record<string, number> = {}
  for (const f of SCHEDULE_FLAGS) {
    const n = number(ctx, f)
    if (n !== undefined) schedule[f] = n
  }
  if (p.target === 'api') {
    const wrong = given(ctx, WEBHOOK_FLAGS)
    if (wrong.length > 0) throw new UsageError(`--${wrong[0]} is for webhook faults; ${preset} is an API fault`)
    const fault: ApiFault = { ...p.fault }
    const status = number(ctx, 'status')
    if (status !== undefined) fault.status = status
    const retry = number(ctx, 'retry-after')
    if (retry !== undefined) fault.retryAfterSeconds = retry
    if (typeof ctx.values.latency === 'string') {
      const range = /^(\d+)-(\d+)$/.exec(ctx.values.latency)
      fault.latencyMs = range ? { min: Number(range[1]), max: Number(range[2]) } : number(ctx, 'latency')!
    }
    const match: Record<string, string> = {}
    if (typeof ctx.values.method === 'string') match.method = ctx.values.method.toUpperCase()
    if (typeof ctx.values.path === 'string') match.path = ctx.values.path
    if (typeof ctx.values.reference === 'string') match.merchantPaymentChargeReference = ctx.values.reference
    return { ...(Object.keys(match).length > 0 ? { match } : {}), fault, ...schedule } as FaultRuleInput
  }
  const wrong = given(ctx, API_FLAGS)
  if (wrong.length > 0) throw new UsageError(`--${wrong[0]} is for API faults; ${preset} is a webhook fault`)
  const webhook: WebhookFault = { ...p.webhook }
  // The sandbox checks the type against PPRO's event types.
  if (typeof ctx.values['event-type'] === 'string') webhook.eventType = ctx.values['event-type'] as WebhookFault['eventType']
  const delay = number(ctx, 'delay-seconds')
  if (delay !== undefined) webhook.delaySeconds = delay
  const stale = number(ctx, 'stale-seconds')
  if (stale !== undefined) webhook.staleSeconds = stale
  return { webhook, ...schedule }
}

/** One rule on one line: `fault_1  lost-response status=504  POST /v1/payment-charges  1 of 1 left  fired 0 of 0`. */
export function ruleLine(r: FaultRule, paint: Context['io']['paint']): string {
  let what: string
  let where: string
  if (r.fault) {
    const f = r.fault
    const latency =
      f.latencyMs === undefined
        ? ''
        : ` latencyMs=${typeof f.latencyMs === 'number' ? f.latencyMs : `${f.latencyMs.min}-${f.latencyMs.max}`}`
    what = `${f.kind}${f.status === undefined ? '' : ` status=${f.status}`}${latency}${f.retryAfterSeconds === undefined ? '' : ` retryAfterSeconds=${f.retryAfterSeconds}`}`
    const ref = r.match.merchantPaymentChargeReference
    where = `${r.match.method ?? 'any'} ${r.match.path ?? '/v1/*'}${ref === undefined ? '' : ` ref=${ref}`}`
  } else {
    const w = r.webhook!
    what = `${w.kind}${w.delaySeconds === undefined ? '' : ` delaySeconds=${w.delaySeconds}`}${w.staleSeconds === undefined ? '' : ` staleSeconds=${w.staleSeconds}`}`
    where = `webhook ${w.eventType ?? 'any event'}`
  }
  const how = r.probability === undefined ? `${r.remaining} of ${r.count} left` : `probability ${r.probability} seed ${r.seed}`
  return `${paint('bold', r.id)}  ${paint('yellow', what)}  ${where}  ${how}  ${paint('dim', `fired ${r.fired} of ${r.matched}`)}`
}

const presetList = () =>
  Object.entries(PRESETS)
    .map(([name, p]) => `  ${name.padEnd(17)}${p.target === 'api' ? 'API' : 'webhook'}: ${p.summary}`)
    .join('\n')

export const faults: Command = {
  name: 'faults',
  usage: 'faults add <preset> [flags] | faults add --rule <json> | faults list | faults remove <id> | faults clear',
  summary: "inject failures: the merchant's fault rules (lost responses, errors, cut connections, webhook faults)",
  details: [
    'Presets:',
    presetList(),
    '',
    'Flags of add:',
    '  --method <GET|POST>  --path <PPRO path or template, e.g. /v1/payment-charges/{id}/refunds>',
    '  --reference <merchantPaymentChargeReference>  --status <code>  --latency <ms|min-max>  --retry-after <s>',
    '  --event-type <PPRO event type>  --delay-seconds <s>  --stale-seconds <s>      (webhook presets)',
    '  --count <n> (default 1)  or  --probability <0..1> [--seed <n>]',
    '  --rule <json>        the whole rule, as POST /sandbox/faults takes it',
    '--json prints the rules as JSON. docs/faults.md tells what each fault does.',
  ].join('\n'),
  remote: true,
  options: {
    json: { type: 'boolean' },
    rule: { type: 'string' },
    method: { type: 'string' },
    path: { type: 'string' },
    reference: { type: 'string' },
    status: { type: 'string' },
    latency: { type: 'string' },
    'retry-after': { type: 'string' },
    'event-type': { type: 'string' },
    'delay-seconds': { type: 'string' },
    'stale-seconds': { type: 'string' },
    count: { type: 'string' },
    probability: { type: 'string' },
    seed: { type: 'string' },
  },
  async run(ctx) {
    const [sub, arg, ...more] = ctx.positionals
    const print = (rules: FaultRule[], empty: string) => {
      if (ctx.values.json) return ctx.io.json(rules)
      if (rules.length === 0) ctx.io.out(empty)
      for (const r of rules) ctx.io.out(ruleLine(r, ctx.io.paint))
    }
    const addFlags = given(ctx, ['rule', ...API_FLAGS, ...WEBHOOK_FLAGS, ...SCHEDULE_FLAGS])
    if (sub !== 'add' && addFlags.length > 0) throw new UsageError(`--${addFlags[0]} is a flag of faults add`)
    if (sub === 'add' && more.length === 0) {
      const rule = ruleFrom(ctx, arg)
      const added = await ctx.remote().call<FaultRule>('POST', '/sandbox/faults', rule)
      if (ctx.values.json) ctx.io.json(added)
      else ctx.io.out(ruleLine(added, ctx.io.paint))
      return 0
    }
    if ((sub === 'list' || sub === undefined) && arg === undefined) {
      const { data } = await ctx.remote().call<{ data: FaultRule[] }>('GET', '/sandbox/faults')
      print(data, 'no fault rules')
      return 0
    }
    if (sub === 'remove' && arg !== undefined && more.length === 0) {
      const removed = await ctx.remote().call<FaultRule>('DELETE', `/sandbox/faults/${encodeURIComponent(arg)}`)
      if (ctx.values.json) ctx.io.json(removed)
      else ctx.io.out(`removed ${ruleLine(removed, ctx.io.paint)}`)
      return 0
    }
    if (sub === 'clear' && arg === undefined) {
      const { deleted } = await ctx.remote().call<{ deleted: number }>('DELETE', '/sandbox/faults')
      if (ctx.values.json) ctx.io.json({ deleted })
      else ctx.io.out(`removed ${deleted} fault rule${deleted === 1 ? '' : 's'}`)
      return 0
    }
    throw new UsageError('faults takes: add <preset> [flags], add --rule <json>, list, remove <id>, or clear')
  },
}
