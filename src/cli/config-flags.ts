import { ConfigSchema } from '../config.js'

/**
 * The sandbox's configuration as command-line flags: one per variable of ConfigSchema (`WEBHOOK_URL`
 * is `--webhook-url`), its default read from the schema itself, so flags and `--help` follow the
 * configuration as it changes. Only the one-line meanings are written here; a test fails when a
 * variable has none.
 */
export const MEANINGS: Record<string, string> = {
  PORT: 'listening port',
  HOST: 'listening address',
  PUBLIC_BASE_URL: 'origin of approval page URLs (requestUrl) and _links',
  API_KEYS: 'comma-separated Bearer keys; unset accepts any non-empty key',
  AUTH_TIMEOUT_SECONDS: 'time the consumer has on the approval page',
  LOG_LEVEL: 'fatal, error, warn, info, debug, trace or silent',
  STRICT_REQUESTS: 'unknown request fields answer 400 instead of a warning',
  BODY_LIMIT_BYTES: 'larger request bodies answer 413',
  WEBHOOK_URL: "where every merchant's webhooks go",
  WEBHOOK_SECRET: 'the webhook signing secret',
  WEBHOOK_TIMEOUT_MS: 'how long one webhook attempt waits for an answer',
  WEBHOOK_RETRY_BASE_MS: "the first webhook retry's delay; each next one doubles",
  WEBHOOK_MAX_ATTEMPTS: 'webhook attempts in all, the first included',
  SANDBOX_CONFIG: 'a JSON file of per-merchant webhook URLs and secrets',
  SEED_DIR: 'a folder of seed files applied at start',
  SESSION_LIFETIME_SECONDS: 'how long a payment session stays usable',
  FEED_RETAIN: 'event-feed messages kept per merchant',
  FEED_BODY_LIMIT_BYTES: 'request journal bodies are cut after this many bytes',
  FEED_STREAM_BUFFER_BYTES: 'how far an event-stream reader may fall behind before it is dropped',
  FEED_HEARTBEAT_SECONDS: 'heartbeat interval on an idle event stream',
  FEED_JOURNAL: 'record API requests in the event feed and the request journal',
  DATA_DIR: 'durable mode: keep all state in this folder across restarts and kill -9',
  DURABILITY: 'write (survives a process crash) or fsync (also power loss, slower)',
  JOURNAL_COMPACT_BYTES: 'compact the journal once it grows past this many bytes',
  RETENTION_DAYS: 'finished charges and agreements are forgotten after this many real days',
  RETENTION_MAX_CHARGES: 'finished charges kept per merchant, oldest forgotten first',
  RETENTION_SWEEP_SECONDS: 'how often retention runs',
  REDIS_URL: 'replicas: share all state with every sandbox on this Redis (redis://host:port/db)',
  REDIS_LEASE_MS: 'replicas: how long a claimed timer or webhook stays with a replica that stopped answering',
  REDIS_POLL_MS: 'replicas: how often each replica looks for due timers and webhooks',
  LOG_FORMAT: 'pretty (one readable line a request, the default on a terminal) or json (JSON lines)',
}

const DERIVED_DEFAULTS: Record<string, string> = { PUBLIC_BASE_URL: 'http://localhost:$PORT' }

export interface ConfigFlag {
  variable: string
  flag: string
  default: string | undefined
  meaning: string
}

export const toFlag = (variable: string) => variable.toLowerCase().replace(/_/g, '-')

/** Every configuration variable, in the schema's order. */
export function configFlags(): ConfigFlag[] {
  const shape = ConfigSchema.in.shape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }>
  return Object.entries(shape).map(([variable, schema]) => {
    const parsed = schema.safeParse(undefined)
    const value = parsed.success && parsed.data !== undefined ? String(parsed.data) : undefined
    return { variable, flag: toFlag(variable), default: DERIVED_DEFAULTS[variable] ?? value, meaning: MEANINGS[variable] ?? '' }
  })
}

/** parseArgs options for the configuration flags (all strings, checked by the schema afterwards). */
export function configOptions(): Record<string, { type: 'string' }> {
  return Object.fromEntries(configFlags().map((f) => [f.flag, { type: 'string' as const }]))
}

/** The environment a start reads: the process's, with every flag given on the command line on top. */
export function envWithFlags(values: Record<string, unknown>, env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out = { ...env }
  for (const f of configFlags()) if (typeof values[f.flag] === 'string') out[f.variable] = values[f.flag] as string
  return out
}

/** The flags table of `--help`. */
export function configHelp(): string {
  const flags = configFlags()
  const width = Math.max(...flags.map((f) => f.flag.length)) + 4
  return flags
    .map((f) => `  --${f.flag.padEnd(width - 2)}${f.meaning} [${f.variable}${f.default === undefined ? '' : `, default ${f.default}`}]`)
    .join('\n')
}
