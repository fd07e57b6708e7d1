import * as z from 'zod'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const booleanString = z.enum(['true', 'false', '1', '0', '']).transform((v) => v === 'true' || v === '1')

const positiveInt = z.coerce.number().int().positive()

/**
 * How what is checked once, at start, is parsed (the environment, the configuration and fixture
 * files): without zod's fast path, which compiles a function for each object schema on its first parse
 * and costs more than one parse gains (about 7 ms of a start for the environment and the fixture).
 */
export const ONCE = { jitless: true } as const

/** The environment the sandbox reads, once, at start. Nothing else reads `process.env`. */
export const ConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    API_KEYS: z.string().optional(),
    AUTH_TIMEOUT_SECONDS: positiveInt.default(900),
    SESSION_LIFETIME_SECONDS: positiveInt.default(3600),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
    STRICT_REQUESTS: booleanString.default(false),
    BODY_LIMIT_BYTES: positiveInt.default(1024 * 1024),
    WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
    WEBHOOK_SECRET: z.string().default('sandbox-webhook-secret'),
    WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
    WEBHOOK_RETRY_BASE_MS: positiveInt.default(15_000),
    WEBHOOK_MAX_ATTEMPTS: positiveInt.default(15),
    SANDBOX_CONFIG: z.string().min(1).optional(),
    SEED_DIR: z.string().min(1).optional(),
    FEED_RETAIN: positiveInt.default(10_000),
    FEED_JOURNAL: booleanString.default(true),
    FEED_BODY_LIMIT_BYTES: z.coerce.number().int().min(0).default(4096),
    FEED_STREAM_BUFFER_BYTES: positiveInt.default(1024 * 1024),
    FEED_HEARTBEAT_SECONDS: positiveInt.default(15),
    DATA_DIR: z.string().min(1).optional(),
    DURABILITY: z.enum(['write', 'fsync']).default('write'),
    JOURNAL_COMPACT_BYTES: positiveInt.default(64 * 1024 * 1024),
    RETENTION_DAYS: z.coerce.number().positive().default(30),
    RETENTION_MAX_CHARGES: positiveInt.default(20_000),
    RETENTION_SWEEP_SECONDS: positiveInt.default(3600),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    REDIS_LEASE_MS: positiveInt.default(30_000),
    REDIS_POLL_MS: positiveInt.default(100),
  })
  .transform((env) => ({
    port: env.PORT,
    host: env.HOST,
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    apiKeys: env.API_KEYS
      ? env.API_KEYS.split(',')
          .map((k) => k.trim())
          .filter(Boolean)
      : [],
    authTimeoutSeconds: env.AUTH_TIMEOUT_SECONDS,
    sessionLifetimeSeconds: env.SESSION_LIFETIME_SECONDS,
    logLevel: env.LOG_LEVEL,
    /** Unset: readable lines on a terminal, JSON lines otherwise. */
    logFormat: env.LOG_FORMAT,
    strictRequests: env.STRICT_REQUESTS,
    bodyLimit: env.BODY_LIMIT_BYTES,
    webhooks: {
      url: env.WEBHOOK_URL,
      secret: env.WEBHOOK_SECRET,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    },
    sandboxConfigPath: env.SANDBOX_CONFIG,
    seedDir: env.SEED_DIR,
    feed: {
      retain: env.FEED_RETAIN,
      journal: env.FEED_JOURNAL,
      bodyLimitBytes: env.FEED_BODY_LIMIT_BYTES,
      streamBufferBytes: env.FEED_STREAM_BUFFER_BYTES,
      heartbeatMs: env.FEED_HEARTBEAT_SECONDS * 1000,
    },
    /** Durable mode (docs/durable-mode.md): the journal's folder; unset, everything stays in memory. */
    durable: { dataDir: env.DATA_DIR, fsync: env.DURABILITY === 'fsync', compactBytes: env.JOURNAL_COMPACT_BYTES },
    /** Finished charges and agreements are forgotten after `days` of real time, or beyond `maxCharges` per merchant. */
    retention: { days: env.RETENTION_DAYS, maxCharges: env.RETENTION_MAX_CHARGES, sweepSeconds: env.RETENTION_SWEEP_SECONDS },
    /** Replicas on one Redis (docs/scaling-out.md): every replica with the same URL shares one state; unset, memory or DATA_DIR. */
    redis: { url: env.REDIS_URL, leaseMs: env.REDIS_LEASE_MS, pollMs: env.REDIS_POLL_MS },
  }))

export type Config = z.output<typeof ConfigSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Parses the environment; throws a ConfigError whose message names every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = ConfigSchema.safeParse(env, ONCE)
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`)
  }
  return result.data
}

/** The configuration used when a test builds the app without one: defaults, quiet logs. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ LOG_LEVEL: 'silent' }), ...overrides }
}
