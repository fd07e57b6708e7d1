import { closeSync, openSync, readSync } from 'node:fs'

/** A journal or snapshot that cannot be read back: the start stops, naming the file and the position. */
export class JournalCorruptError extends Error {
  override name = 'JournalCorruptError'
  constructor(
    readonly file: string,
    readonly line: number,
    readonly byte: number,
    reason: string,
  ) {
    super(`${file}: line ${line} (byte ${byte}) ${reason}`)
  }
}

export interface ReadResult {
  /** Lines read and accepted. */
  lines: number
  /** Bytes up to the end of the last accepted line: where appending may go on. */
  validBytes: number
  /** The torn last line that was ignored, if any. */
  torn?: { line: number; byte: number; bytes: number } | undefined
}

const CHUNK = 4 * 1024 * 1024
const NL = 10

/**
 * Reads a JSON-lines file line by line, in chunks (a journal can be larger than one string may be),
 * and hands each parsed line to `onRecord`. A last line that is not whole (no newline, or not JSON:
 * a write cut by a crash or a power loss) is ignored when `tornTailAllowed`; any other bad line
 * throws a JournalCorruptError. `onRecord` may throw an Error to refuse a record; it becomes a
 * JournalCorruptError at that line.
 */
export function readJsonLines(path: string, onRecord: (record: unknown, line: number) => void, tornTailAllowed: boolean): ReadResult {
  const fd = openSync(path, 'r')
  try {
    let carry: Buffer = Buffer.alloc(0)
    let carryStart = 0 // file offset of carry[0]
    let fileOffset = 0
    let line = 0
    let validBytes = 0
    let accepted = 0
    const buf = Buffer.allocUnsafe(CHUNK)
    // A parsed line is held back one step: only once the next one exists do we know it was not the last.
    let held: { text: Buffer; line: number; byte: number } | undefined
    const accept = (h: { text: Buffer; line: number; byte: number }, last: boolean): boolean => {
      let record: unknown
      try {
        record = JSON.parse(h.text.toString('utf8'))
      } catch {
        if (last && tornTailAllowed) return false
        throw new JournalCorruptError(path, h.line, h.byte, 'is not a whole JSON record: the file is corrupt')
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        if (last && tornTailAllowed) return false
        throw new JournalCorruptError(path, h.line, h.byte, 'is not a journal record (not a JSON object)')
      }
      try {
        onRecord(record, h.line)
      } catch (err) {
        if (err instanceof JournalCorruptError) throw err
        throw new JournalCorruptError(path, h.line, h.byte, (err as Error).message)
      }
      validBytes = h.byte + h.text.length + 1
      accepted++
      return true
    }
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, fileOffset)
      if (n === 0) break
      fileOffset += n
      let data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n)
      let start = 0
      for (let nl = data.indexOf(NL, start); nl !== -1; nl = data.indexOf(NL, start)) {
        line++
        if (held) accept(held, false)
        // Copied: `buf` is reused by the next read.
        held = { text: Buffer.from(data.subarray(start, nl)), line, byte: carryStart + start }
        start = nl + 1
      }
      carry = Buffer.from(data.subarray(start))
      carryStart += start
      data = Buffer.alloc(0)
    }
    let torn: ReadResult['torn']
    if (carry.length > 0) {
      // Bytes after the last newline: a line whose write never finished.
      if (held) accept(held, false)
      held = undefined
      if (!tornTailAllowed) {
        throw new JournalCorruptError(path, line + 1, carryStart, 'is cut short (no newline at the end of the file)')
      }
      torn = { line: line + 1, byte: carryStart, bytes: carry.length }
    } else if (held) {
      if (!accept(held, true)) torn = { line: held.line, byte: held.byte, bytes: held.text.length + 1 }
    }
    return { lines: accepted, validBytes, torn }
  } finally {
    closeSync(fd)
  }
}
