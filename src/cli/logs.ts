import type { Command, Context } from './command.js'
import { CommandError, UsageError } from './errors.js'
import { explain } from './remote.js'

export interface FeedMessage {
  seq?: number
  kind: string
  at?: string
  sandboxTime?: string
  chargeId?: string
  agreementId?: string
  reason?: { code: string; message: string }
  [field: string]: unknown
}

/** Reads Server-Sent Events from a byte stream: one `{event, id, data}` per message, comments skipped. */
export async function* readEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<{ event: string; id?: string; data: string }> {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n')
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = 'message'
      let id: string | undefined
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'event') event = value
        else if (field === 'id') id = value
        else if (field === 'data') data.push(value)
      }
      if (data.length > 0) yield { event, ...(id === undefined ? {} : { id }), data: data.join('\n') }
    }
  }
}

/** `[fault lost-response by fault_1]`: an injected fault (docs/faults.md), on its request or delivery attempt. */
function faultText(fault: unknown, paint: Context['io']['paint']): string {
  if (!fault || typeof fault !== 'object') return ''
  const f = fault as { kind?: string; ruleId?: string; source?: string; copy?: number }
  const by = f.ruleId ? ` by ${f.ruleId}` : f.source === 'header' ? ' by header' : ''
  return ` ${paint('yellow', `[fault ${f.kind}${f.copy ? ` copy ${f.copy}` : ''}${by}]`)}`
}

/** One line a person reads: sandbox time, kind, what happened, and why when the sandbox says. */
export function describeMessage(m: FeedMessage, paint: Context['io']['paint']): string {
  const time = (m.sandboxTime ?? m.at ?? '').replace(/^\d{4}-\d\d-\d\dT/, '').replace(/Z$/, '')
  const subject = m.chargeId ?? m.agreementId ?? ''
  let what: string
  switch (m.kind) {
    case 'event':
      what = `${paint('bold', String(m.type))} ${subject}`
      break
    case 'delivery': {
      const ok = typeof m.statusCode === 'number' && m.statusCode >= 200 && m.statusCode < 300
      const answer = m.statusCode !== undefined ? String(m.statusCode) : String(m.error ?? 'no answer')
      what = `${m.type} -> ${m.url} ${paint(ok ? 'green' : 'red', answer)} (attempt ${m.attempt}${m.replay ? ', replay' : ''}, ${m.durationMs} ms)`
      if (!ok && m.nextAttemptAt) what += `, next at ${m.nextAttemptAt}`
      what += faultText(m.fault, paint)
      break
    }
    case 'request': {
      const status = Number(m.status)
      const shown = status === 0 ? 'no answer' : String(m.status)
      what = `${m.method} ${m.path} ${paint(status >= 400 || status === 0 ? 'red' : 'green', shown)} (${m.durationMs} ms)${faultText(m.fault, paint)}`
      break
    }
    case 'consumer':
      what = `consumer ${paint(m.action === 'approved' ? 'green' : m.action === 'opened' ? 'yellow' : 'red', String(m.action))} ${subject}`
      break
    case 'clock':
      what = `clock +${m.advancedSeconds} s (now +${m.offsetSeconds} s)`
      break
    default:
      what = JSON.stringify(m)
  }
  const reason = m.reason ? paint('dim', ` - ${m.reason.code}: ${m.reason.message}`) : ''
  return `${paint('dim', time)} ${paint('cyan', m.kind.padEnd(8))} ${what}${reason}`
}

export const logs: Command = {
  name: 'logs',
  usage: 'logs [--follow] [--json] [--kinds event,delivery,...] [--charge <id>] [--agreement <id>] [--type <type>] [--limit <n>]',
  summary: 'the live feed of events, deliveries, requests, consumer actions and clock moves',
  details:
    'Prints what happened so far, then follows the feed until interrupted (or --limit messages).\n' +
    'Readable lines on a terminal; --json prints one JSON message a line (the default when piped is text too).',
  remote: true,
  options: {
    follow: { type: 'boolean', short: 'f' },
    json: { type: 'boolean' },
    kinds: { type: 'string' },
    charge: { type: 'string' },
    agreement: { type: 'string' },
    type: { type: 'string' },
    limit: { type: 'string' },
  },
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new UsageError('logs takes no argument')
    const limit = ctx.values.limit === undefined ? Infinity : Number(ctx.values.limit)
    if (!(limit > 0) || !Number.isInteger(limit === Infinity ? 1 : limit)) throw new UsageError('--limit takes a positive whole number')
    const remote = ctx.remote()
    const qs = new URLSearchParams({ lastEventId: '0' })
    for (const [flag, param] of [
      ['kinds', 'kinds'],
      ['charge', 'chargeId'],
      ['agreement', 'agreementId'],
      ['type', 'type'],
    ] as const)
      if (typeof ctx.values[flag] === 'string') qs.set(param, ctx.values[flag] as string)
    const abort = new AbortController()
    const stop = () => abort.abort()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    const path = `/sandbox/events/stream?${qs}`
    try {
      const res = await fetch(`${remote.creds.url}${path}`, {
        headers: { authorization: `Bearer ${remote.creds.apiKey}`, 'merchant-id': remote.creds.merchantId, accept: 'text/event-stream' },
        signal: abort.signal,
      }).catch((err: unknown) => {
        throw explain(err, remote.creds.url)
      })
      if (res.status === 404) throw new CommandError(`this sandbox has no event feed (GET /sandbox/events/stream answered 404): update it`)
      if (!res.ok || !res.body) throw new CommandError(`GET ${path} answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
      let count = 0
      for await (const message of readEvents(res.body as unknown as AsyncIterable<Uint8Array>)) {
        // The stream's own notices: messages lost before a resume, or this reader dropped for falling behind.
        if (message.event === 'gap') {
          ctx.io.err(`${ctx.io.paint('yellow', 'gap')}: ${(JSON.parse(message.data) as { reason: string }).reason}`)
          continue
        }
        if (message.event === 'dropped')
          throw new CommandError(`the sandbox dropped the stream: ${(JSON.parse(message.data) as { reason: string }).reason}`)
        const m = JSON.parse(message.data) as FeedMessage
        if (ctx.values.json) ctx.io.json(m)
        else ctx.io.out(describeMessage(m, ctx.io.paint))
        if (++count >= limit) break
      }
      return 0
    } catch (err) {
      if (abort.signal.aborted) return 0
      throw err
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      abort.abort()
    }
  },
}
