/**
 * The log as a person reads it on a terminal: one line per request and per decision, made from the
 * JSON lines pino writes (a pino destination stream, so nothing runs in a worker thread and the bundle
 * stays one file). Elsewhere, or with LOG_FORMAT=json, the JSON lines go out as they are.
 */

export type LogFormat = 'pretty' | 'json'

/** Pretty on a terminal unless told otherwise; JSON lines for containers and pipes. */
export function chooseLogFormat(setting: LogFormat | undefined, isTty: boolean): LogFormat {
  return setting ?? (isTty ? 'pretty' : 'json')
}

const LEVELS: Record<number, [name: string, color: string]> = {
  10: ['TRACE', '90'],
  20: ['DEBUG', '90'],
  30: ['INFO ', '32'],
  40: ['WARN ', '33'],
  50: ['ERROR', '31'],
  60: ['FATAL', '35'],
}

/** Fields pino and Fastify add that the line says otherwise, or that a reader does not need. */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'req', 'res', 'responseTime', 'component', 'v'])

function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23)
}

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v
  if (v instanceof Object && 'message' in v && 'stack' in v) return JSON.stringify((v as { message: unknown }).message)
  return JSON.stringify(v)
}

interface Entry {
  level?: number
  time?: number
  msg?: string
  reqId?: string
  req?: { method?: string; url?: string }
  res?: { statusCode?: number }
  responseTime?: number
  err?: { message?: string; stack?: string }
  [field: string]: unknown
}

/**
 * Turns one pino JSON line into a readable line, or undefined for a line that says nothing new (the
 * "incoming request" half of a request: the completed half names method, path, status and time).
 */
export function formatLogLine(line: string, pending: Map<string, { method?: string; url?: string }>, color: boolean): string | undefined {
  let e: Entry
  try {
    e = JSON.parse(line) as Entry
  } catch {
    return line
  }
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text)
  const [name, code] = LEVELS[e.level ?? 30] ?? ['INFO ', '32']
  const head = `${paint('90', clockTime(e.time ?? Date.now()))} ${paint(code, name)}`
  if (e.msg === 'incoming request' && e.reqId !== undefined) {
    pending.set(e.reqId, { method: e.req?.method, url: e.req?.url })
    return undefined
  }
  if (e.msg === 'request completed' && e.reqId !== undefined) {
    const req = pending.get(e.reqId) ?? {}
    pending.delete(e.reqId)
    const status = e.res?.statusCode ?? 0
    const statusText = paint(status >= 500 ? '31' : status >= 400 ? '33' : '32', String(status))
    const ms = e.responseTime === undefined ? '' : ` ${e.responseTime.toFixed(1)} ms`
    // An injected fault (src/faults) is named on its request's line.
    const fault = typeof e.fault === 'string' ? ` ${paint('35', `fault: ${e.fault}`)}` : ''
    return `${head} ${req.method ?? '?'} ${req.url ?? '?'} ${statusText}${ms}${fault}${paint('90', ` ${e.reqId}`)}`
  }
  if (e.msg === 'event' && typeof e.type === 'string') {
    // A decision: the PPRO event it produced, and what it is about.
    return `${head} ${paint('36', e.type)} ${String(e.subject ?? '')}${paint('90', ` ${String(e.event ?? '')}`)}`
  }
  const fields = Object.entries(e)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined)
    .map(([k, v]) => `${paint('90', `${k}=`)}${value(v)}`)
  const stack = e.err?.stack && (e.level ?? 0) >= 50 ? `\n${e.err.stack}` : ''
  return `${head} ${e.msg ?? ''}${fields.length ? ` ${fields.join(' ')}` : ''}${stack}`
}

/** A destination for pino: JSON lines in, readable lines out to `out`. */
export function prettyLogStream(out: { write(text: string): unknown }, color: boolean): { write(chunk: string): void } {
  const pending = new Map<string, { method?: string; url?: string }>()
  let rest = ''
  return {
    write(chunk: string) {
      const lines = (rest + chunk).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) {
        if (line === '') continue
        const text = formatLogLine(line, pending, color)
        if (text !== undefined) out.write(`${text}\n`)
      }
      // A request that never completed (an aborted connection) is forgotten once many are waiting.
      if (pending.size > 10_000) pending.clear()
    },
  }
}
