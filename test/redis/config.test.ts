import t from 'tap'
import { buildApp } from '../../src/app.js'
import { defaultConfig, loadConfig } from '../../src/config.js'
import { configHelp } from '../../src/cli/config-flags.js'
import { freePort } from '../helpers/net.js'
import { startProcess } from '../helpers/process.js'

t.test('REDIS_URL is read, checked, and in --help', async (t) => {
  t.same(loadConfig({}).redis, { url: undefined, leaseMs: 30_000, pollMs: 100 })
  t.same(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6390/2', REDIS_LEASE_MS: '2000', REDIS_POLL_MS: '20' }).redis, {
    url: 'redis://127.0.0.1:6390/2',
    leaseMs: 2000,
    pollMs: 20,
  })
  t.throws(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6390' }), /REDIS_URL/)
  t.match(configHelp(), /--redis-url\s+replicas: share all state/)
})

t.test('DATA_DIR and REDIS_URL together are refused: replicas keep their state in Redis', async (t) => {
  const config = defaultConfig({
    durable: { dataDir: t.testdir({}), fsync: false, compactBytes: 1 << 20 },
    redis: { url: 'redis://127.0.0.1:1', leaseMs: 1000, pollMs: 100 },
  })
  await t.rejects(buildApp({ config }), { name: 'ConfigError', message: /set DATA_DIR or REDIS_URL, not both/ })
})

t.test('a Redis that does not answer stops the start with one line and exit status 2', async (t) => {
  const port = await freePort()
  const proc = await startProcess(t, { REDIS_URL: `redis://127.0.0.1:${port}` })
  t.equal((await proc.exited).code, 2)
  const lines = proc.output().trim().split('\n')
  t.equal(lines.length, 1, proc.output())
  t.match(lines[0], new RegExp(`^ppro-kakaopay-sandbox: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}/?: `))
})
