import { Writable } from 'node:stream'

/**
 * A stream for a test app's logger (`logger: { level, stream }`) and the JSON lines written to it so
 * far, in order; `onLine` sees each one as it is written.
 */
export function logLines<T = Record<string, unknown>>(onLine?: (entry: T) => void): { stream: Writable; lines: T[] } {
  const lines: T[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as T
        lines.push(entry)
        onLine?.(entry)
      }
      done()
    },
  })
  return { stream, lines }
}
