// dist/bundle/server.mjs, what `npm start` and the Docker image run: it loads the bundled server
// (server.cjs, beside it: the same name ending in .cjs) through a V8 code cache, so that a start
// compiles almost none of its 1.5 MB.
//
// The cache is keyed by the bundle file's size and modification time and the Node version: a rebuilt
// bundle or another Node never runs code compiled for a different one (V8 itself checks only the text's
// length and its own version and flags; hashing the text would cost the start 5 ms). When
// there is no cache for this bundle, or V8 refuses it, the server writes one a second after it starts
// listening (off any request; the functions the start and the first requests compiled are in it), into
// dist/bundle/code-cache/, replacing the older ones of this bundle. A read-only folder just means no cache.
// SANDBOX_CODE_CACHE=off loads the bundle without one.
import { readFileSync, statSync } from 'node:fs'
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

const filename = fileURLToPath(import.meta.url).replace(/\.mjs$/, '.cjs')
const name = basename(filename, '.cjs')
const source = readFileSync(filename, 'utf8')
const useCache = process.env.SANDBOX_CODE_CACHE !== 'off'
const cacheDir = join(dirname(filename), 'code-cache')
const { size, mtimeMs } = statSync(filename)
const key = `${name}-${process.version}-${process.arch}-${size}-${Math.round(mtimeMs)}`
const cacheFile = join(cacheDir, `${key}.bin`)

let cachedData
if (useCache) {
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    // none yet for this bundle and this Node
  }
}
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename,
  cachedData,
})

// What the start did, for the server's ready line: 'hit', 'miss' (none yet), 'rejected' (V8 refused it) or 'off'.
const status = !useCache ? 'off' : cachedData === undefined ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit'
globalThis[Symbol.for('ppro-kakaopay-sandbox.code-cache')] = status
if (status === 'miss' || status === 'rejected') {
  // The bundle calls this once it listens (src/server.ts).
  globalThis[Symbol.for('ppro-kakaopay-sandbox.listening')] = () => {
    setTimeout(async () => {
      try {
        const data = script.createCachedData()
        await mkdir(cacheDir, { recursive: true })
        for (const old of await readdir(cacheDir)) if (old.startsWith(`${name}-`)) await rm(join(cacheDir, old), { force: true })
        const tmp = `${cacheFile}.${process.pid}.tmp`
        await writeFile(tmp, data)
        await rename(tmp, cacheFile)
      } catch {
        // a folder the server cannot write to (a read-only image): it runs without a cache
      }
    }, 1000).unref()
  }
}

const module = { exports: {} }
script.runInThisContext()(module.exports, createRequire(filename), module, filename, dirname(filename))
