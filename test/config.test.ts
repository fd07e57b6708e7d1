import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('defaults', async (t) => {
  const c = loadConfig({})
  t.match(c, {
    port: 8080,
    host: '0.0.0.0',
    publicBaseUrl: 'http://localhost:8080',
    apiKeys: [],
    authTimeoutSeconds: 900,
    logLevel: 'info',
    strictRequests: false,
    webhooks: { url: undefined, timeoutMs: 10_000, retryBaseMs: 15_000, maxAttempts: 15 },
  })
  t.same(c.durable, { dataDir: undefined, fsync: false, compactBytes: 64 * 1024 * 1024 }, 'memory only unless DATA_DIR is set')
  t.same(c.retention, { days: 30, maxCharges: 20_000, sweepSeconds: 3600 })
})

t.test('durable mode and retention from the environment', async (t) => {
  const c = loadConfig({
    DATA_DIR: '/data',
    DURABILITY: 'fsync',
    JOURNAL_COMPACT_BYTES: '1048576',
    RETENTION_DAYS: '0.5',
    RETENTION_MAX_CHARGES: '100',
    RETENTION_SWEEP_SECONDS: '60',
  })
  t.same(c.durable, { dataDir: '/data', fsync: true, compactBytes: 1048576 })
  t.same(c.retention, { days: 0.5, maxCharges: 100, sweepSeconds: 60 })
  const err = t.throws(() =>
    loadConfig({ DATA_DIR: '', DURABILITY: 'always', RETENTION_DAYS: '0', RETENTION_MAX_CHARGES: '-1', RETENTION_SWEEP_SECONDS: 'x' }),
  ) as ConfigError
  for (const name of ['DATA_DIR', 'DURABILITY', 'RETENTION_DAYS', 'RETENTION_MAX_CHARGES', 'RETENTION_SWEEP_SECONDS'])
    t.match(err.message, new RegExp(`\\n  ${name}: `), name)
})

t.test('values from the environment', async (t) => {
  const c = loadConfig({
    PORT: '9000',
    PUBLIC_BASE_URL: 'https://sandbox.example.test/',
    API_KEYS: ' k1, k2 ,,',
    AUTH_TIMEOUT_SECONDS: '60',
    LOG_LEVEL: 'silent',
    STRICT_REQUESTS: 'true',
    WEBHOOK_URL: 'http://127.0.0.1:3000/hooks',
    WEBHOOK_RETRY_BASE_MS: '50',
  })
  t.equal(c.port, 9000)
  t.equal(c.publicBaseUrl, 'https://sandbox.example.test', 'no trailing slash')
  t.same(c.apiKeys, ['k1', 'k2'])
  t.equal(c.authTimeoutSeconds, 60)
  t.equal(c.logLevel, 'silent')
  t.equal(c.strictRequests, true)
  t.equal(c.webhooks.url, 'http://127.0.0.1:3000/hooks')
  t.equal(c.webhooks.retryBaseMs, 50)
  t.equal(loadConfig({ PORT: '9001' }).publicBaseUrl, 'http://localhost:9001', 'the default base URL follows PORT')
})

t.test('bad values fail fast with one readable message naming each', async (t) => {
  const err = t.throws(() =>
    loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', PUBLIC_BASE_URL: 'ftp://x', AUTH_TIMEOUT_SECONDS: '-5', STRICT_REQUESTS: 'yes' }),
  ) as ConfigError
  t.ok(err instanceof ConfigError)
  t.match(err.message, /^invalid configuration:\n/)
  for (const name of ['PORT', 'LOG_LEVEL', 'PUBLIC_BASE_URL', 'AUTH_TIMEOUT_SECONDS', 'STRICT_REQUESTS'])
    t.match(err.message, new RegExp(`\\n  ${name}: `), name)
})
