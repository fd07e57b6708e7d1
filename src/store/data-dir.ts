import { open, unlink } from 'node:fs/promises'
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { lockDataDir } from './data-lock.js'
import { JournalWriter } from './journal.js'
import { JournalCorruptError, readJsonLines } from './journal-reader.js'

/** The version of the record format, in every line; a later format upgrades older lines on replay. */
export const RECORD_VERSION = 1
/**
 * The snapshot's format: after its header, each line is a chunk of records (`{"v":2,"r":[…]}`), so a
 * start parses a few hundred large lines rather than one line per record. Snapshots of version 1 (one
 * record per line) are still read.
 */
export const SNAPSHOT_VERSION = 2

/** What a unit of work, or a snapshot record, holds: the store decides (documents, tombstones, …). */
export type UnitRecord = Record<string, unknown>

export interface DataDirOptions {
  dir: string
  /** `DURABILITY=fsync`: fdatasync every batch, and every snapshot before it counts. */
  fsync: boolean
  /** Compaction starts once the journal passes this size and twice the last snapshot's. */
  compactBytes: number
  /** The turn's unit of work, or undefined when the turn changed nothing. */
  collect: () => UnitRecord | undefined
  /** The whole live state, as records that replay like units (read lazily, across turns, while it changes). */
  snapshot: () => Iterable<UnitRecord>
  onFatal: (err: Error) => void
  /** Records in one snapshot write; the event loop gets a turn between two writes. */
  snapshotChunk?: number
  /** A clean stop compacts a journal larger than this (and a quarter of the snapshot); 1 MiB by default. */
  compactOnCloseBytes?: number
  /** Tests: called between two chunks of a snapshot being written; a promise it returns holds the snapshot until it settles. */
  onSnapshotChunk?: () => void | Promise<void>
}

export interface Compaction {
  /** Real time the snapshot was complete. */
  at: number
  snapshotBytes: number
  records: number
  durationMs: number
}

export interface RecoveryInfo {
  snapshot: number | undefined
  journals: number[]
  units: number
  records: number
  /** The torn last line that was ignored, if any. */
  torn?: { file: string; line: number; byte: number; bytes: number } | undefined
  durationMs: number
}

const COMPACT_ON_CLOSE_BYTES = 1024 * 1024
const pad = (n: number) => String(n).padStart(6, '0')
const JOURNAL = /^journal-(\d{6,})\.jsonl$/
const SNAPSHOT = /^snapshot-(\d{6,})\.jsonl$/

/**
 * The data folder of durable mode: `LOCK`, the last complete `snapshot-N.jsonl` and the journal
 * segments from `journal-N.jsonl` on. Recovery replays the snapshot then the journals into the
 * store; compaction writes a new snapshot beside a new segment, a chunk per turn, then drops the
 * files it replaces, so the folder stays about the size of the live state.
 *
 * Every record is a full-document upsert or a tombstone, never a delta: replaying a unit over a
 * snapshot that already holds it changes nothing, which is what makes the snapshot "fuzzy" (taken
 * while the state keeps changing) and still correct.
 */
export class DataDir {
  readonly dir: string
  #writer: JournalWriter | undefined
  #segment = 0
  #seq = 0
  #release: () => void
  #otherBytes = 0
  #lastSnapshotBytes = 0
  #lastCompaction: Compaction | undefined
  #compacting: Promise<void> | undefined
  #closed = false
  readonly #opts: DataDirOptions

  private constructor(opts: DataDirOptions, release: () => void) {
    this.#opts = opts
    this.dir = opts.dir
    this.#release = release
  }

  /** Creates the folder if needed and takes its lock (a DataDirLockedError when another process holds it). */
  static open(opts: DataDirOptions): DataDir {
    mkdirSync(opts.dir, { recursive: true })
    return new DataDir(opts, lockDataDir(opts.dir))
  }

  get writer(): JournalWriter {
    if (!this.#writer) throw new Error('DataDir.recover() must run first')
    return this.#writer
  }

  /** Bytes of the snapshot and journals in the folder. */
  get bytes(): number {
    return this.#otherBytes + (this.#writer?.bytes ?? 0)
  }

  get lastCompaction(): Compaction | undefined {
    return this.#lastCompaction
  }

  get compacting(): Promise<void> | undefined {
    return this.#compacting
  }

  /**
   * Reads the folder back into the store through `apply`, in order: the snapshot's records, then
   * every unit of the journals. A torn last line of the last journal is ignored (and cut off, so the
   * next write starts a clean line); anything else unreadable throws a JournalCorruptError.
   */
  recover(apply: (record: UnitRecord, unitTime: number) => void): RecoveryInfo {
    try {
      return this.#recover(apply)
    } catch (err) {
      this.#closed = true
      this.#release()
      throw err
    }
  }

  #recover(apply: (record: UnitRecord, unitTime: number) => void): RecoveryInfo {
    const started = performance.now()
    const names = readdirSync(this.dir)
    for (const n of names) if (n.endsWith('.tmp')) unlinkSync(join(this.dir, n)) // a snapshot never finished
    const numbers = (re: RegExp) =>
      names
        .map((n) => re.exec(n))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]))
        .sort((a, b) => a - b)
    const snapshots = numbers(SNAPSHOT)
    const journals = numbers(JOURNAL)
    const base = snapshots.at(-1)
    let records = 0
    let units = 0
    if (base !== undefined) {
      const info = this.#readSnapshot(base, (r, t) => {
        records++
        apply(r, t)
      })
      this.#seq = info.seq
      this.#lastSnapshotBytes = info.bytes
      this.#lastCompaction = { at: info.t, snapshotBytes: info.bytes, records, durationMs: 0 }
    }
    const replay = journals.filter((j) => base === undefined || j >= base)
    const first = base ?? 1
    replay.forEach((j, i) => {
      if (j !== first + i) {
        const missing = join(this.dir, `journal-${pad(first + i)}.jsonl`)
        throw new JournalCorruptError(missing, 0, 0, 'is missing: the journal segments are not contiguous')
      }
    })
    let torn: RecoveryInfo['torn']
    let lastValid = 0
    replay.forEach((j, i) => {
      const file = join(this.dir, `journal-${pad(j)}.jsonl`)
      const last = i === replay.length - 1
      const result = readJsonLines(
        file,
        (r) => {
          const unit = r as UnitRecord
          if (unit.v !== RECORD_VERSION)
            throw new Error(`has record version ${String(unit.v)}; this sandbox reads version ${RECORD_VERSION}`)
          if (unit.seq !== this.#seq + 1) {
            throw new Error(`is unit ${String(unit.seq)} where unit ${this.#seq + 1} was expected: a unit is missing or repeated`)
          }
          this.#seq++
          units++
          apply(unit, typeof unit.t === 'number' ? unit.t : Date.now())
        },
        last,
      )
      if (result.torn) torn = { file, ...result.torn }
      if (last) lastValid = result.validBytes
    })
    // Left over by a compaction that stopped after its snapshot was complete.
    for (const j of journals) if (base !== undefined && j < base) unlinkSync(join(this.dir, `journal-${pad(j)}.jsonl`))
    for (const s of snapshots) if (s !== base) unlinkSync(join(this.dir, `snapshot-${pad(s)}.jsonl`))

    this.#segment = replay.at(-1) ?? first
    const path = join(this.dir, `journal-${pad(this.#segment)}.jsonl`)
    if (torn) {
      const fd = openSync(path, 'r+')
      ftruncateSync(fd, lastValid)
      closeSync(fd)
    }
    this.#otherBytes = base === undefined ? 0 : this.#lastSnapshotBytes
    this.#writer = new JournalWriter(path, { fsync: this.#opts.fsync, collect: this.#collect, onFatal: this.#opts.onFatal }, lastValid)
    return { snapshot: base, journals: replay, units, records, torn, durationMs: performance.now() - started }
  }

  #readSnapshot(n: number, apply: (r: UnitRecord, t: number) => void): { seq: number; t: number; bytes: number } {
    const file = join(this.dir, `snapshot-${pad(n)}.jsonl`)
    let header: { seq: number; t: number; v: number } | undefined
    let count = 0
    let ended = false
    readJsonLines(
      file,
      (r, line) => {
        const rec = r as UnitRecord
        if (rec.v !== SNAPSHOT_VERSION && rec.v !== RECORD_VERSION) {
          throw new Error(`has record version ${String(rec.v)}; this sandbox reads versions ${RECORD_VERSION} and ${SNAPSHOT_VERSION}`)
        }
        if (ended) throw new Error('follows the end of the snapshot')
        if (line === 1) {
          if (rec.snapshot !== n || typeof rec.seq !== 'number' || typeof rec.t !== 'number') throw new Error('is not a snapshot header')
          header = { seq: rec.seq, t: rec.t, v: rec.v }
          return
        }
        if (rec.v !== header!.v) throw new Error(`has record version ${String(rec.v)} in a snapshot of version ${header!.v}`)
        if (typeof rec.end === 'number') {
          if (rec.end !== count) throw new Error(`ends a snapshot of ${rec.end} records that holds ${count}`)
          ended = true
          return
        }
        if (rec.v === RECORD_VERSION) {
          // An older snapshot: one record per line.
          count++
          apply(rec, header!.t)
          return
        }
        if (!Array.isArray(rec.r)) throw new Error('is not a chunk of snapshot records')
        for (const one of rec.r as UnitRecord[]) {
          count++
          apply(one, header!.t)
        }
      },
      false,
    )
    if (!header || !ended) throw new JournalCorruptError(file, count + 1, 0, 'has no end record: the snapshot is incomplete')
    return { seq: header.seq, t: header.t, bytes: statSync(file).size }
  }

  /** The turn's unit, stamped with the format version, its sequence number and the real time. */
  readonly #collect = (): string | undefined => {
    const unit = this.#opts.collect()
    if (!unit) return undefined
    const line = JSON.stringify({ v: RECORD_VERSION, seq: ++this.#seq, t: Date.now(), ...unit })
    const w = this.#writer!
    if (!this.#compacting && !this.#closed && w.bytes > Math.max(this.#opts.compactBytes, 2 * this.#lastSnapshotBytes)) {
      setImmediate(() => void this.compact())
    }
    return line
  }

  /**
   * Starts a new segment, writes the live state beside it as the next snapshot (a chunk per turn),
   * makes it count (fsync, rename, fsync of the folder), then deletes the snapshot and segments it
   * replaces. A crash at any point leaves a folder that recovers: before the rename, from the old
   * snapshot and both segments; after it, from the new one.
   */
  compact(): Promise<void> {
    if (this.#compacting) return this.#compacting
    const run = this.#compact().finally(() => {
      this.#compacting = undefined
    })
    this.#compacting = run
    return run
  }

  async #compact(): Promise<void> {
    const started = performance.now()
    const writer = this.writer
    const old = this.#segment
    const next = old + 1
    const oldJournal = join(this.dir, `journal-${pad(old)}.jsonl`)
    const oldJournalBytes = writer.bytes
    writer.rotate(join(this.dir, `journal-${pad(next)}.jsonl`))
    if (writer.failed) return
    this.#segment = next
    this.#otherBytes += oldJournalBytes
    const final = join(this.dir, `snapshot-${pad(next)}.jsonl`)
    const tmp = `${final}.tmp`
    // The new segment starts after this unit: taken before any await, while no unit can be added.
    const seq = this.#seq
    // Written with the event loop free: requests go on while the snapshot is written and synced.
    const file = await open(tmp, 'w')
    let bytes = 0
    let records = 0
    try {
      const put = async (line: string) => {
        const buf = Buffer.from(line)
        await file.write(buf)
        bytes += buf.length
      }
      await put(JSON.stringify({ v: SNAPSHOT_VERSION, snapshot: next, seq, t: Date.now() }) + '\n')
      const chunk = this.#opts.snapshotChunk ?? 1000
      let r: UnitRecord[] = []
      for (const record of this.#opts.snapshot()) {
        r.push(record)
        records++
        if (r.length >= chunk) {
          // A chunk is one line: read back with one parse, not one per record.
          await put(JSON.stringify({ v: SNAPSHOT_VERSION, r }) + '\n')
          r = []
          await this.#opts.onSnapshotChunk?.()
          await new Promise((resolve) => setImmediate(resolve))
          if (this.#closed) throw new Error('closed while compacting')
        }
      }
      if (r.length) await put(JSON.stringify({ v: SNAPSHOT_VERSION, r }) + '\n')
      await put(JSON.stringify({ v: SNAPSHOT_VERSION, end: records }) + '\n')
      await file.datasync()
    } catch (err) {
      await file.close()
      await unlink(tmp)
      if (this.#closed) return
      throw err
    }
    await file.close()
    // What the snapshot read may include this turn's changes: they must be in the journal before it counts.
    writer.flush()
    if (writer.failed) return
    renameSync(tmp, final)
    const folder = await open(this.dir, 'r')
    try {
      await folder.sync()
    } finally {
      await folder.close()
    }
    const previous = join(this.dir, `snapshot-${pad(old)}.jsonl`)
    await unlink(previous).catch(() => {
      // the first compaction has no previous snapshot
    })
    await unlink(oldJournal)
    this.#otherBytes = bytes
    this.#lastSnapshotBytes = bytes
    this.#lastCompaction = { at: Date.now(), snapshotBytes: bytes, records, durationMs: Math.round(performance.now() - started) }
  }

  /**
   * Writes what is pending, waits for a compaction under way to stop, and releases the lock. A clean
   * stop whose journal has grown past `compactOnCloseBytes` and a quarter of the snapshot folds it into
   * a new snapshot first, so that the next start reads one snapshot rather than replaying the journal
   * (a snapshot is several times cheaper to read back than the units it replaces).
   */
  async close(): Promise<void> {
    if (this.#closed) return
    const w = this.#writer
    const threshold = Math.max(this.#opts.compactOnCloseBytes ?? COMPACT_ON_CLOSE_BYTES, this.#lastSnapshotBytes / 4)
    if (!this.#compacting && w && !w.failed && w.bytes > threshold) {
      await this.compact().catch(() => {
        // The folder still holds the previous snapshot and every journal: it starts as it would have.
      })
    }
    this.#closed = true
    await this.#compacting?.catch(() => {})
    this.#writer?.close()
    this.#release()
  }
}
