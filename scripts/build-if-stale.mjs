// `npm start` runs this first: it rebuilds the bundle only when a source file is newer than it, so a
// start after `npm install` (which builds, through `prepare`) costs a few file stats, and a start after
// editing src/ still runs the new code.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const bundle = join(root, 'dist/bundle/server.mjs')

function newestMtime(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs
    if (mtime > newest) newest = mtime
  }
  return newest
}

let built = 0
try {
  built = statSync(bundle).mtimeMs
} catch {
  // no bundle yet
}
const sources = Math.max(
  newestMtime(join(root, 'src')),
  ...['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(root, f)).mtimeMs),
)
if (sources > built) {
  console.error('ppro-kakaopay-sandbox: sources changed since the last build; building first')
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}
