// `npm run bundle`: the compiled server (dist/server.js) and its runtime dependencies as one CommonJS
// file, dist/bundle/server.cjs, loaded through a V8 code cache by dist/bundle/server.mjs (a copy of
// scripts/server-entry.mjs). CommonJS because Node 20 offers a code cache (node:vm's Script) only for
// scripts, not for ES modules. Then the bundle is started once on a loopback port, so that it writes its
// code cache and the first real start has it; a start that fails here only leaves the bundle without one.
import { spawn } from 'node:child_process'
import { copyFileSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * Fastify requires `node:http2` when it loads, for its `http2` option, which the sandbox never sets:
 * 6 to 8 ms of a start. In the bundle, Fastify's server module gets one that requires it on first use.
 */
const lazyHttp2 = {
  name: 'lazy-http2',
  setup(b) {
    b.onResolve({ filter: /^node:http2$/ }, (args) =>
      /[/\\]fastify[/\\]lib[/\\]server\.js$/.test(args.importer) ? { path: 'node:http2', namespace: 'lazy-builtin' } : undefined,
    )
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:http2'))[k] })",
      loader: 'js',
    }))
  },
}

/**
 * Bundles `entry` (the compiled dist/server.js, or src/server.ts itself) into `<base>.cjs` with its
 * loader beside it as `<base>.mjs`, the file to run. The test suite builds its own this way.
 */
export async function bundleServer(entry, base) {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: `${base}.cjs`,
    minifyWhitespace: true,
    minifySyntax: true,
    // Fastify loads its default schema compilers only when a route has no compiler of its own; the
    // sandbox gives every route zod's, so they are never required.
    external: ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'],
    // `import.meta.url` of the modules that find files beside them becomes the bundle's own file URL.
    inject: [join(root, 'scripts/import-meta-url.mjs')],
    define: { 'import.meta.url': 'importMetaUrl' },
    plugins: [lazyHttp2],
    logLevel: 'warning',
  })
  copyFileSync(join(root, 'scripts/server-entry.mjs'), `${base}.mjs`)
  return `${base}.mjs`
}

/** Starts the bundle on a free loopback port until it has written its code cache (at most 10 s). */
async function primeCodeCache(server) {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }
  for (const k of ['DATA_DIR', 'REDIS_URL', 'SANDBOX_CONFIG', 'SEED_DIR', 'SANDBOX_CODE_CACHE']) delete env[k]
  const child = spawn(process.execPath, [server], { env, stdio: ['ignore', 'ignore', 'inherit'] })
  const exited = new Promise((r) => child.once('exit', r))
  const cacheDir = join(dirname(server), 'code-cache')
  const cached = () => {
    try {
      return readdirSync(cacheDir).some((name) => name.endsWith('.bin'))
    } catch {
      return false
    }
  }
  try {
    for (let i = 0; i < 400 && child.exitCode === null; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      )
      if (ok && cached()) return true
      await new Promise((r) => setTimeout(r, 25))
    }
    return false
  } finally {
    child.kill('SIGTERM')
    await exited
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync(join(root, 'dist/bundle/code-cache'), { recursive: true, force: true })
  const server = await bundleServer(join(root, 'dist/server.js'), join(root, 'dist/bundle/server'))
  if (!(await primeCodeCache(server))) console.error('bundle: the server wrote no code cache; it will start without one')
}
