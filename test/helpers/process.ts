import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { bundleServer } from '../../scripts/bundle.mjs'
import type { Test } from 'tap'
import { AUTH } from './app.js'
import { freePort } from './net.js'

const ROOT = new URL('../..', import.meta.url).pathname
let bundled: Promise<string> | undefined

/**
 * The server as the package ships it (scripts/bundle.mjs: one CommonJS bundle and the loader that runs
 * it through a V8 code cache), built from the sources under test once per test process: no stale dist/.
 */
export function serverBundle(): Promise<string> {
  bundled ??= (async () => {
    // Beside the shipped bundle, so it finds the fixtures the way the package does.
    const dir = join(ROOT, 'dist', 'bundle')
    mkdirSync(dir, { recursive: true })
    const name = `test-server-${process.pid}`
    const server = await bundleServer(join(ROOT, 'src/server.ts'), join(dir, name))
    process.once('exit', () => {
      for (const f of [`${name}.mjs`, `${name}.cjs`]) rmSync(join(dir, f), { force: true })
      const cache = join(dir, 'code-cache')
      if (existsSync(cache)) for (const f of readdirSync(cache)) if (f.startsWith(`${name}-`)) rmSync(join(cache, f), { force: true })
    })
    return server
  })()
  return bundled
}

export interface SandboxProcess {
  base: string
  port: number
  child: ChildProcess
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** SIGKILL: no flush, no close, as a crash or the OOM killer would. */
  kill9(): Promise<void>
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; text: string; json: any }>
}

/**
 * Starts the bundled server on 127.0.0.1 with `env` (LOG_LEVEL warn) and resolves once /health answers,
 * or with the exit if the process stops first (a refused start). Waits are bounded.
 */
export async function startProcess(
  t: Test,
  env: Record<string, string>,
  opts: { port?: number; ulimitFileBlocks?: number; server?: string } = {},
): Promise<SandboxProcess> {
  const bundle = opts.server ?? (await serverBundle())
  const port = opts.port ?? (await freePort())
  const base = `http://127.0.0.1:${port}`
  const fullEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', PUBLIC_BASE_URL: base, ...env }
  const child =
    opts.ulimitFileBlocks === undefined
      ? spawn(process.execPath, [bundle], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('sh', ['-c', `ulimit -f ${opts.ulimitFileBlocks}; exec "${process.execPath}" "${bundle}"`], {
          env: fullEnv,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  let gone = false
  void exited.then(() => (gone = true))
  t.teardown(() => {
    if (!gone) child.kill('SIGKILL')
  })
  const call: SandboxProcess['call'] = async (method, path, body, headers = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      redirect: 'manual',
    })
    const text = await res.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: res.status, headers: res.headers, text, json }
  }
  const proc: SandboxProcess = {
    base,
    port,
    child,
    output: () => out,
    exited,
    async kill9() {
      child.kill('SIGKILL')
      await exited
    },
    async stop() {
      child.kill('SIGTERM')
      return (await exited).code
    },
    call,
  }
  for (let i = 0; i < 300 && !gone; i++) {
    const ok = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return proc
    await new Promise((r) => setTimeout(r, 20))
  }
  if (!gone) throw new Error(`the sandbox did not answer /health within 6 s: ${out}`)
  return proc
}
