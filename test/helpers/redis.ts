import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { Redis } from 'ioredis'
import type { Test } from 'tap'
import { freePort } from './net.js'

/** Debian's redis-server (what `.ci/run` installs), or one on PATH; undefined when there is none. */
export const REDIS_SERVER: string | undefined = existsSync('/usr/bin/redis-server')
  ? '/usr/bin/redis-server'
  : spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() || undefined

/** The `skip` option of a test that needs Redis: reported as skipped, never as passed, without one. */
export const needsRedis = { skip: REDIS_SERVER ? false : 'redis-server not found' } as const

export interface RedisServer {
  url: string
  /** A client of the test's own, for asserting what Redis holds. */
  client: Redis
}

/**
 * Starts a redis-server of the test's own on a free loopback port, nothing kept on disk, and stops it
 * (SIGKILL) when the test ends. Resolves once it answers PING, within 5 s.
 */
export async function startRedis(t: Test): Promise<RedisServer> {
  if (!REDIS_SERVER) throw new Error('redis-server not found')
  const port = await freePort()
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const url = `redis://127.0.0.1:${port}`
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
  client.on('error', () => {})
  t.teardown(() => {
    client.disconnect()
    child.kill('SIGKILL')
  })
  for (let i = 0; i < 100; i++) {
    try {
      if (client.status !== 'ready') await client.connect()
      if ((await client.ping()) === 'PONG') return { url, client }
    } catch {
      client.disconnect()
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`redis-server did not answer on port ${port} within 5 s: ${out}`)
}
