import type { Command, Context } from './command.js'
import { parseDuration } from './duration.js'
import { UsageError } from './errors.js'
import { statusColour } from './output.js'

const JSON_FLAG = { json: { type: 'boolean' as const } }

interface Resource {
  id: string
  status: string
  failure?: { failureCode?: string }
  initialPaymentChargeId?: string
}

/** `charge_…  CAPTURED` (or the whole resource with --json). */
export function printResource(ctx: Context, r: Resource, extra = ''): void {
  if (ctx.values.json) return ctx.io.json(r)
  const failure = r.failure?.failureCode ? ` ${ctx.io.paint('dim', r.failure.failureCode)}` : ''
  ctx.io.out(`${r.id}  ${ctx.io.paint(statusColour(r.status), r.status)}${failure}${extra}`)
}

function oneId(ctx: Context, what: string): string {
  const [id, ...more] = ctx.positionals
  if (!id || more.length > 0) throw new UsageError(`${what} takes one charge or agreement id`)
  return id
}

export function controlPath(id: string, action: string): string {
  if (id.startsWith('charge_')) return `/sandbox/payment-charges/${encodeURIComponent(id)}/${action}`
  if (id.startsWith('agr_')) return `/sandbox/payment-agreements/${encodeURIComponent(id)}/${action}`
  throw new UsageError(`${JSON.stringify(id)} is not a payment charge (charge_…) or agreement (agr_…) id`)
}

const outcome = (action: 'approve' | 'decline' | 'cancel' | 'expire', summary: string): Command => ({
  name: action,
  usage: action === 'decline' ? 'decline <id> [--code <failureCode>]' : `${action} <id>`,
  summary,
  remote: true,
  options: action === 'decline' ? { ...JSON_FLAG, code: { type: 'string' } } : JSON_FLAG,
  async run(ctx) {
    const id = oneId(ctx, action)
    const body = action === 'decline' && typeof ctx.values.code === 'string' ? { failureCode: ctx.values.code } : undefined
    printResource(ctx, await ctx.remote().call<Resource>('POST', controlPath(id, action), body))
    return 0
  },
})

export const approve = outcome('approve', 'the consumer approves a charge or agreement')
export const decline = outcome('decline', 'the consumer’s payment fails (default code AUTHENTICATION_FAILED)')
export const cancel = outcome('cancel', 'the consumer cancels on the approval page')
export const expire = outcome('expire', 'the consumer’s time on the approval page runs out now')

interface ClockView {
  now: string
  offsetSeconds: number
}

export const clock: Command = {
  name: 'clock',
  usage: 'clock [advance <duration>]',
  summary: 'show the sandbox clock, or move it forward (90s, 15m, 2h, 1d, 1h30m)',
  remote: true,
  options: JSON_FLAG,
  async run(ctx) {
    const [sub, duration, ...more] = ctx.positionals
    let view: ClockView
    if (sub === undefined || sub === 'show') view = await ctx.remote().call<ClockView>('GET', '/sandbox/clock')
    else if (sub === 'advance' && duration !== undefined && more.length === 0)
      view = await ctx.remote().call<ClockView>('POST', '/sandbox/clock', { advanceSeconds: parseDuration(duration) })
    else throw new UsageError('clock takes no argument, or: clock advance <duration>')
    if (ctx.values.json) ctx.io.json(view)
    else ctx.io.out(`sandbox time ${view.now} (${ctx.io.paint('cyan', `+${view.offsetSeconds} s`)} ahead of real time)`)
    return 0
  },
}

interface DeliveryView {
  eventId: string
  type: string
  subject: string
  url: string | null
  status: string
  createdAt: string
  attempts: Array<{ attempt: number; statusCode?: number; error?: string }>
}

export const webhooks: Command = {
  name: 'webhooks',
  usage: 'webhooks list [--charge <id>] [--agreement <id>] [--type <type>] | webhooks replay <eventId>',
  summary: 'the webhooks the merchant was sent, or send one again',
  remote: true,
  options: { ...JSON_FLAG, charge: { type: 'string' }, agreement: { type: 'string' }, type: { type: 'string' } },
  async run(ctx) {
    const [sub, eventId, ...more] = ctx.positionals
    const line = (d: DeliveryView) => {
      const last = d.attempts.at(-1)
      const answer = last ? ` ${last.statusCode ?? last.error}` : ''
      const where = d.url ? `${d.attempts.length} attempt(s)${answer}` : 'no URL'
      return `${d.createdAt}  ${d.eventId}  ${d.type}  ${d.subject}  ${ctx.io.paint(d.status === 'FAILED' ? 'red' : d.status === 'DELIVERED' ? 'green' : 'yellow', d.status)}  ${where}`
    }
    if ((sub === 'list' || sub === undefined) && eventId === undefined) {
      const qs = new URLSearchParams()
      for (const [flag, param] of [
        ['charge', 'chargeId'],
        ['agreement', 'agreementId'],
        ['type', 'type'],
      ] as const)
        if (typeof ctx.values[flag] === 'string') qs.set(param, ctx.values[flag] as string)
      const { data } = await ctx.remote().call<{ data: DeliveryView[] }>('GET', `/sandbox/webhooks${qs.size ? `?${qs}` : ''}`)
      if (ctx.values.json) ctx.io.json(data)
      else if (data.length === 0) ctx.io.out('no webhooks yet')
      else for (const d of data) ctx.io.out(line(d))
      return 0
    }
    if (sub === 'replay' && eventId !== undefined && more.length === 0) {
      const d = await ctx.remote().call<DeliveryView>('POST', `/sandbox/webhooks/${encodeURIComponent(eventId)}/replay`)
      if (ctx.values.json) ctx.io.json(d)
      else ctx.io.out(line(d))
      return 0
    }
    throw new UsageError('webhooks takes: list [--charge <id>] [--agreement <id>] [--type <type>], or: replay <eventId>')
  },
}

interface StatusView {
  url: string
  merchantId: string
  webhookUrl: string | null
  webhookSecret: string
  clock: ClockView
}

/** `VAR=value`, quoted for a POSIX shell when it needs to be, so `eval "$(… status -o env)"` works. */
const shellQuote = (v: string) => (/^[A-Za-z0-9_./:@%+=,-]*$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`)

export const status: Command = {
  name: 'status',
  usage: 'status [-o text|json|env]',
  summary: 'the running sandbox: URL, merchant, key, webhook URL and secret (env: for scripts)',
  remote: true,
  options: { output: { type: 'string', short: 'o' } },
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new UsageError('status takes no argument')
    const format = ctx.values.output ?? 'text'
    if (format !== 'text' && format !== 'json' && format !== 'env')
      throw new UsageError(`-o takes text, json or env, not ${JSON.stringify(format)}`)
    const remote = ctx.remote()
    const s = await remote.call<StatusView>('GET', '/sandbox/status')
    const { url, apiKey, merchantId } = remote.creds
    if (format === 'json') {
      ctx.io.json({
        url,
        apiKey,
        merchantId,
        webhookUrl: s.webhookUrl,
        webhookSecret: s.webhookSecret,
        publicBaseUrl: s.url,
        clock: s.clock,
      })
    } else if (format === 'env') {
      const vars = { PPRO_BASE_URL: url, PPRO_API_KEY: apiKey, PPRO_MERCHANT_ID: merchantId, PPRO_WEBHOOK_SECRET: s.webhookSecret }
      for (const [k, v] of Object.entries(vars)) ctx.io.out(`${k}=${shellQuote(v)}`)
    } else {
      const rows: Array<[string, string]> = [
        ['url', url],
        ['merchant', merchantId],
        ['api key', apiKey],
        ['webhook url', s.webhookUrl ?? 'none (webhooks are recorded only)'],
        ['webhook secret', s.webhookSecret],
        ['sandbox time', `${s.clock.now} (+${s.clock.offsetSeconds} s)`],
      ]
      ctx.io.out(`${ctx.io.paint('green', '●')} sandbox running`)
      for (const [k, v] of rows) ctx.io.out(`  ${ctx.io.paint('dim', k.padEnd(15))}${v}`)
    }
    return 0
  },
}
