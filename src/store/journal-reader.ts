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

const CHUNK = 8 * 1024 * 1024
const NL = 10

/** A line that did not parse: an error, unless it turns out to be the last line of a journal. */
interface BadLine {
  line: number
  byte: number
  bytes: number
  reason: string
}

/**
 * Reads a JSON-lines file line by line, in large chunks (a journal can be larger than one string may
 * be), and hands each parsed line to `onRecord`. Each line is decoded straight from the read buffer,
 * never copied. A last line that is not whole (no newline, or not JSON: a write cut by a crash or a
 * power loss) is ignored when `tornTailAllowed`; any other bad line throws a JournalCorruptError.
 * `onRecord` may throw an Error to refuse a record; it becomes a JournalCorruptError at that line.
 */
export function readJsonLines(path: string, onRecord: (record: unknown, line: number) => void, tornTailAllowed: boolean): ReadResult {
  const fd = openSync(path, 'r')
  try {
    let buf = Buffer.allocUnsafe(CHUNK)
    let have = 0 // bytes of buf holding the start of a line not yet ended
    let bufStart = 0 // file offset of buf[0]
    let line = 0
    let validBytes = 0
    let accepted = 0
    // A line that did not parse is only known to be corrupt once another line follows it.
    let bad: BadLine | undefined
    const corrupt = (b: BadLine) => new JournalCorruptError(path, b.line, b.byte, b.reason)
    const take = (data: Buffer, start: number, end: number) => {
      line++
      if (bad) throw corrupt(bad)
      const byte = bufStart + start
      let record: unknown
      try {
        record = JSON.parse(data.toString('utf8', start, end))
      } catch {
        bad = { line, byte, bytes: end - start + 1, reason: 'is not a whole JSON record: the file is corrupt' }
        return
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        bad = { line, byte, bytes: end - start + 1, reason: 'is not a journal record (not a JSON object)' }
        return
      }
      try {
        onRecord(record, line)
      } catch (err) {
        if (err instanceof JournalCorruptError) throw err
        throw new JournalCorruptError(path, line, byte, (err as Error).message)
      }
      validBytes = byte + (end - start) + 1
      accepted++
    }
    for (;;) {
      if (have === buf.length) {
        // One line longer than the buffer: make room for the rest of it.
        const bigger = Buffer.allocUnsafe(buf.length * 2)
        buf.copy(bigger, 0, 0, have)
        buf = bigger
      }
      const n = readSync(fd, buf, have, buf.length - have, bufStart + have)
      if (n === 0) break
      const data = buf.subarray(0, have + n)
      let start = 0
      // The bytes carried over hold no newline: the search starts after them.
      for (let nl = data.indexOf(NL, have); nl !== -1; nl = data.indexOf(NL, start)) {
        take(data, start, nl)
        start = nl + 1
      }
      // What follows the last newline goes to the front, to be completed by the next read.
      buf.copy(buf, 0, start, data.length)
      bufStart += start
      have = data.length - start
    }
    let torn: ReadResult['torn']
    if (have > 0) {
      // Bytes after the last newline: a line whose write never finished.
      if (bad) throw corrupt(bad)
      if (!tornTailAllowed) throw new JournalCorruptError(path, line + 1, bufStart, 'is cut short (no newline at the end of the file)')
      torn = { line: line + 1, byte: bufStart, bytes: have }
    } else if (bad) {
      if (!tornTailAllowed) throw corrupt(bad)
      torn = { line: bad.line, byte: bad.byte, bytes: bad.bytes }
    }
    return { lines: accepted, validBytes, torn }
  } finally {
    closeSync(fd)
  }
}
