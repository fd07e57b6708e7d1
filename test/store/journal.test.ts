import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DataDir, type UnitRecord } from '../../src/store/data-dir.js'
import { DataDirLockedError, lockDataDir } from '../../src/store/data-lock.js'
import { JournalWriter } from '../../src/store/journal.js'
import { JournalCorruptError, readJsonLines } from '../../src/store/journal-reader.js'

const turn = () => new Promise<void>((r) => setImmediate(r))
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean)
const noFatal = (t: Test) => (err: Error) => t.fail(`unexpected write failure: ${err.message}`)

t.test('the writer: one write per turn, replies wait for it, and a change made later in the turn is in it', async (t) => {
  const dir = t.testdir({})
  const path = join(dir, 'journal.jsonl')
  let state = 0
  const w = new JournalWriter(path, { collect: () => (state ? JSON.stringify({ state }) : undefined), onFatal: noFatal(t) })
  t.teardown(() => w.close())
  t.equal(w.pending, false)
  await w.written() // nothing pending: resolved at once

  state = 1
  w.mark()
  w.mark()
  const first = w.written()
  state = 2 // later in the same turn
  w.append('{"extra":true}')
  t.equal(readFileSync(path, 'utf8'), '', 'nothing is written before the end of the turn')
  let done = false
  void first.then(() => (done = true))
  await Promise.resolve()
  t.equal(done, false, 'the promise does not resolve before the write')
  await first
  t.same(lines(path), ['{"extra":true}', '{"state":2}'], 'one batch, with the state as it was at the end of the turn')
  t.equal(w.batches, 1)
  t.equal(w.bytes, readFileSync(path).length)

  state = 0
  await w.written()
  t.equal(w.batches, 1, 'a turn that changed nothing writes nothing')
})

t.test('the writer: a failed write calls onFatal and never acknowledges', async (t) => {
  const failures: Error[] = []
  // /dev/full answers every write with ENOSPC, as a full disk does.
  const w = new JournalWriter('/dev/full', { onFatal: (e) => failures.push(e) })
  w.append('{"a":1}')
  let acknowledged = false
  void w.written().then(() => (acknowledged = true))
  for (let i = 0; i < 5; i++) await turn()
  t.equal(failures.length, 1)
  t.match(failures[0]!.message, /ENOSPC/)
  t.equal(acknowledged, false, 'the waiting reply is never released')
  let later = false
  void w.written().then(() => (later = true))
  w.append('{"b":2}')
  for (let i = 0; i < 3; i++) await turn()
  t.equal(later, false, 'nor any after it')
  t.equal(failures.length, 1, 'and nothing more is attempted')
})

t.test('the writer with fsync writes the same lines', async (t) => {
  const path = join(t.testdir({}), 'j.jsonl')
  const w = new JournalWriter(path, { fsync: true, onFatal: noFatal(t) })
  w.append('{"a":1}')
  await w.written()
  w.append('{"a":2}')
  await w.written()
  w.close()
  t.same(lines(path), ['{"a":1}', '{"a":2}'])
  t.equal(w.batches, 2)
})

t.test('the reader: a torn last line is ignored, a bad line anywhere else names the file, line and byte', async (t) => {
  const dir = t.testdir({
    'torn-no-newline.jsonl': '{"a":1}\n{"a":2}\n{"a":',
    'torn-garbage.jsonl': '{"a":1}\n{"a":2}\n\u0000\u0000\u0000\n',
    'corrupt-middle.jsonl': '{"a":1}\n{"a":2\n{"a":3}\n',
    'not-object.jsonl': '{"a":1}\n[1,2]\n{"a":3}\n',
    'clean.jsonl': '{"a":1}\n{"a":2}\n',
  })
  const read = (name: string, torn = true) => {
    const got: unknown[] = []
    const result = readJsonLines(join(dir, name), (r) => got.push(r), torn)
    return { got, result }
  }
  t.same(read('clean.jsonl'), { got: [{ a: 1 }, { a: 2 }], result: { lines: 2, validBytes: 16, torn: undefined } })
  t.same(read('torn-no-newline.jsonl'), {
    got: [{ a: 1 }, { a: 2 }],
    result: { lines: 2, validBytes: 16, torn: { line: 3, byte: 16, bytes: 5 } },
  })
  t.same(read('torn-garbage.jsonl'), {
    got: [{ a: 1 }, { a: 2 }],
    result: { lines: 2, validBytes: 16, torn: { line: 3, byte: 16, bytes: 4 } },
  })
  t.throws(() => read('corrupt-middle.jsonl'), {
    name: 'JournalCorruptError',
    message: `${join(dir, 'corrupt-middle.jsonl')}: line 2 (byte 8) is not a whole JSON record: the file is corrupt`,
  })
  t.throws(() => read('not-object.jsonl'), { message: /not-object\.jsonl: line 2 \(byte 8\) is not a journal record/ })
  t.throws(() => read('torn-no-newline.jsonl', false), { message: /torn-no-newline\.jsonl: line 3 \(byte 16\) is cut short/ })

  // A refusal by the caller becomes a corruption error at that line.
  t.throws(
    () =>
      readJsonLines(
        join(dir, 'clean.jsonl'),
        (r) => {
          if ((r as { a: number }).a === 2) throw new Error('is refused')
        },
        true,
      ),
    { message: `${join(dir, 'clean.jsonl')}: line 2 (byte 8) is refused` },
  )
})

t.test('the reader reads lines longer than its chunk and files of many chunks', async (t) => {
  const path = join(t.testdir({}), 'big.jsonl')
  const long = 'x'.repeat(5 * 1024 * 1024)
  const parts = [JSON.stringify({ long }), ...Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ i, pad: 'p'.repeat(200) }))]
  writeFileSync(path, parts.join('\n') + '\n')
  let count = 0
  let sum = 0
  let longOk = false
  const result = readJsonLines(
    path,
    (r) => {
      const rec = r as { i?: number; long?: string }
      count++
      if (rec.long) longOk = rec.long.length === long.length
      else sum += rec.i!
    },
    true,
  )
  t.equal(count, 20_001)
  t.equal(sum, (19_999 * 20_000) / 2)
  t.ok(longOk)
  t.equal(result.validBytes, readFileSync(path).length)
})

/** A tiny store for the data folder's tests: documents by id, units of puts and deletes. */
function docStore() {
  const docs = new Map<string, { id: string; n: number }>()
  let dirty = new Set<string>()
  let deleted = new Set<string>()
  return {
    docs,
    put(id: string, n: number, dd: DataDir) {
      docs.set(id, { id, n })
      dirty.add(id)
      deleted.delete(id)
      dd.writer.mark()
    },
    del(id: string, dd: DataDir) {
      docs.delete(id)
      deleted.add(id)
      dirty.delete(id)
      dd.writer.mark()
    },
    collect(): UnitRecord | undefined {
      if (dirty.size === 0 && deleted.size === 0) return undefined
      const unit = { put: [...dirty].map((id) => docs.get(id)), del: [...deleted] }
      dirty = new Set()
      deleted = new Set()
      return unit
    },
    *snapshot(): Iterable<UnitRecord> {
      for (const d of docs.values()) yield { put: [{ ...d }], del: [] }
    },
    apply(r: UnitRecord) {
      for (const d of r.put as { id: string; n: number }[]) docs.set(d.id, d)
      for (const id of r.del as string[]) docs.delete(id)
    },
  }
}

function openStore(t: Test, dir: string, extra: Partial<Parameters<typeof DataDir.open>[0]> = {}) {
  const store = docStore()
  const dd = DataDir.open({
    dir,
    fsync: false,
    compactBytes: 1 << 30,
    collect: () => store.collect(),
    snapshot: () => store.snapshot(),
    onFatal: noFatal(t),
    ...extra,
  })
  const info = dd.recover((r) => store.apply(r))
  return { store, dd, info }
}

t.test('the data folder: units come back in order after a restart', async (t) => {
  const dir = t.testdir({})
  const a = openStore(t, dir)
  t.same(a.info.journals, [], 'an empty folder')
  a.store.put('c1', 1, a.dd)
  a.store.put('c2', 1, a.dd)
  await a.dd.writer.written()
  a.store.put('c1', 2, a.dd)
  a.store.del('c2', a.dd)
  await a.dd.writer.written()
  await a.dd.close()
  t.same(readdirSync(dir).sort(), ['journal-000001.jsonl'], 'the lock is released on close')
  const units = lines(join(dir, 'journal-000001.jsonl')).map((l) => JSON.parse(l))
  t.same(
    units.map(({ t: _t, ...u }) => u),
    [
      {
        v: 1,
        seq: 1,
        put: [
          { id: 'c1', n: 1 },
          { id: 'c2', n: 1 },
        ],
        del: [],
      },
      { v: 1, seq: 2, put: [{ id: 'c1', n: 2 }], del: ['c2'] },
    ],
  )
  t.ok(
    units.every((u) => typeof u.t === 'number'),
    'every unit carries its real time',
  )

  const b = openStore(t, dir)
  t.teardown(() => b.dd.close())
  t.same([...b.store.docs.values()], [{ id: 'c1', n: 2 }])
  t.same({ ...b.info, durationMs: 0 }, { snapshot: undefined, journals: [1], units: 2, records: 0, torn: undefined, durationMs: 0 })
  b.store.put('c3', 1, b.dd)
  await b.dd.writer.written()
  t.equal(JSON.parse(lines(join(dir, 'journal-000001.jsonl')).at(-1)!).seq, 3, 'numbering goes on')
})

t.test('the data folder: a torn last unit is ignored and cut off; a corrupt or missing unit before it stops the start', async (t) => {
  const dir = t.testdir({})
  const a = openStore(t, dir)
  for (let i = 1; i <= 3; i++) {
    a.store.put(`c${i}`, i, a.dd)
    await a.dd.writer.written()
  }
  await a.dd.close()
  const file = join(dir, 'journal-000001.jsonl')
  const whole = readFileSync(file)
  const third = whole.lastIndexOf('\n{') + 1

  // Every cut inside the last unit is a torn tail: the state is the first two units, never part of the third.
  for (const cut of [third + 1, third + 10, whole.length - 2, whole.length - 1]) {
    writeFileSync(file, whole.subarray(0, cut))
    const b = openStore(t, dir)
    t.same([...b.store.docs.keys()], ['c1', 'c2'], `cut at byte ${cut}`)
    t.same(b.info.torn && { line: b.info.torn.line, byte: b.info.torn.byte }, { line: 3, byte: third })
    t.equal(readFileSync(file).length, third, 'the torn bytes are cut off')
    b.store.put('c9', 9, b.dd)
    await b.dd.writer.written()
    await b.dd.close()
    const c = openStore(t, dir)
    t.same([...c.store.docs.keys()], ['c1', 'c2', 'c9'], 'and the next unit starts a clean line')
    await c.dd.close()
  }

  // A corrupt line in the middle.
  const text = whole.toString()
  writeFileSync(file, text.replace('"c2"', '"c2'))
  t.throws(() => openStore(t, dir), {
    name: 'JournalCorruptError',
    message: `${file}: line 2 (byte ${text.indexOf('\n') + 1}) is not a whole JSON record: the file is corrupt`,
  })
  // A unit missing in the middle.
  const ls = text.split('\n')
  writeFileSync(file, [ls[0], ls[2], ''].join('\n'))
  t.throws(() => openStore(t, dir), { message: /journal-000001\.jsonl: line 2 \(byte \d+\) is unit 3 where unit 2 was expected/ })
  t.notOk(readdirSync(dir).includes('LOCK'), 'a refused start leaves no lock behind')
})

t.test('compaction: a new segment and a snapshot written a chunk per turn; the folder recovers the same state', async (t) => {
  const dir = t.testdir({})
  let chunks = 0
  const a = openStore(t, dir, { snapshotChunk: 10, onSnapshotChunk: () => void chunks++ })
  for (let i = 0; i < 95; i++) a.store.put(`c${i}`, i, a.dd)
  await a.dd.writer.written()
  for (let i = 0; i < 20; i++) a.store.del(`c${i}`, a.dd)
  await a.dd.writer.written()

  let turnsDuring = 0
  let counting = true
  const tick = () => {
    if (!counting) return
    turnsDuring++
    setImmediate(tick)
  }
  setImmediate(tick)
  const compaction = a.dd.compact()
  // Changes made while the snapshot is being written go to the new segment.
  a.store.put('c50', 5000, a.dd)
  a.store.del('c60', a.dd)
  a.store.put('new', 1, a.dd)
  await a.dd.writer.written()
  await compaction
  counting = false
  t.equal(chunks, 7, '75 records in chunks of 10')
  t.ok(turnsDuring >= 7, `the event loop ran between chunks (${turnsDuring} turns)`)
  t.same(readdirSync(dir).sort(), ['LOCK', 'journal-000002.jsonl', 'snapshot-000002.jsonl'], 'the old journal is gone')
  t.same(a.dd.lastCompaction && { records: a.dd.lastCompaction.records }, { records: 75 })
  t.equal(a.dd.bytes, readFileSync(join(dir, 'journal-000002.jsonl')).length + readFileSync(join(dir, 'snapshot-000002.jsonl')).length)
  const expected = [...a.store.docs.entries()].sort()
  await a.dd.close()

  const b = openStore(t, dir)
  t.same([...b.store.docs.entries()].sort(), expected)
  t.equal(b.info.snapshot, 2)
  t.same(b.info.journals, [2])
  t.equal(b.store.docs.get('c50')?.n, 5000)
  t.notOk(b.store.docs.has('c60'))
  b.store.put('after', 1, b.dd)
  await b.dd.writer.written()
  await b.dd.close()

  // A second compaction drops the first snapshot.
  const c = openStore(t, dir)
  await c.dd.compact()
  t.same(readdirSync(dir).sort(), ['LOCK', 'journal-000003.jsonl', 'snapshot-000003.jsonl'])
  await c.dd.close()
  const d = openStore(t, dir)
  t.same([...d.store.docs.entries()].sort(), [...expected, ['after', { id: 'after', n: 1 }]].sort())
  await d.dd.close()
})

t.test('compaction: a crash before the snapshot counts recovers from the old files; one after it from the new', async (t) => {
  const root = t.testdir({ a: {}, copy: {}, c: {} })
  const dir = join(root, 'a')
  // Stop in the middle of the snapshot, as a kill -9 would: the process goes, its files stay. The
  // compaction is held after its second chunk until the files are copied, however fast the disk is.
  let chunks = 0
  let reached!: () => void
  let release!: () => void
  const halfway = new Promise<void>((r) => (reached = r))
  const held = new Promise<void>((r) => (release = r))
  const a = openStore(t, dir, { snapshotChunk: 5, onSnapshotChunk: () => (++chunks === 2 ? (reached(), held) : undefined) })
  for (let i = 0; i < 30; i++) a.store.put(`c${i}`, i, a.dd)
  await a.dd.writer.written()
  a.dd.compact().catch(() => {})
  await halfway
  a.store.put('late', 1, a.dd)
  await a.dd.writer.written()
  const files = readdirSync(dir).sort()
  t.same(files, ['LOCK', 'journal-000001.jsonl', 'journal-000002.jsonl', 'snapshot-000002.jsonl.tmp'], 'mid-compaction')
  const copy = join(root, 'copy')
  for (const f of files) if (f !== 'LOCK') writeFileSync(join(copy, f), readFileSync(join(dir, f)))
  release()
  await a.dd.close()

  const b = openStore(t, copy)
  t.equal(b.store.docs.size, 31, 'everything, from the old journal and the new segment')
  t.same(readdirSync(copy).sort(), ['LOCK', 'journal-000001.jsonl', 'journal-000002.jsonl'], 'the unfinished snapshot is dropped')
  await b.dd.compact()
  await b.dd.close()

  // After the rename, before the old files were deleted.
  const c2 = join(root, 'c')
  const c = openStore(t, c2)
  for (let i = 0; i < 10; i++) c.store.put(`d${i}`, i, c.dd)
  await c.dd.writer.written()
  const oldJournal = readFileSync(join(c2, 'journal-000001.jsonl'))
  await c.dd.compact()
  await c.dd.close()
  writeFileSync(join(c2, 'journal-000001.jsonl'), oldJournal)
  const d = openStore(t, c2)
  t.equal(d.store.docs.size, 10)
  t.same(readdirSync(c2).sort(), ['LOCK', 'journal-000002.jsonl', 'snapshot-000002.jsonl'], 'the replaced journal is deleted at start')
  await d.dd.close()

  // A snapshot without its end record never counts: the start stops rather than lose what it lacks.
  const snap = join(c2, 'snapshot-000002.jsonl')
  const body = lines(snap)
  writeFileSync(snap, body.slice(0, -1).join('\n') + '\n')
  t.throws(() => openStore(t, c2), { message: /snapshot-000002\.jsonl: line \d+ \(byte 0\) has no end record/ })
})

t.test('compaction starts by itself once the journal passes its threshold', async (t) => {
  const dir = t.testdir({})
  const a = openStore(t, dir, { compactBytes: 2000 })
  t.teardown(() => a.dd.close())
  for (let i = 0; i < 100 && !a.dd.lastCompaction; i++) {
    a.store.put(`c${i % 5}`, i, a.dd)
    await a.dd.writer.written()
    await a.dd.compacting
  }
  t.ok(a.dd.lastCompaction, 'a compaction ran')
  t.ok(a.dd.bytes < 4000, `the folder stays small (${a.dd.bytes} bytes)`)
})

t.test('the lock: a second process on the folder is refused; a lock left by a dead process is taken over', async (t) => {
  const dir = t.testdir({})
  const release = lockDataDir(dir)
  t.throws(() => lockDataDir(dir), DataDirLockedError)
  t.throws(() => lockDataDir(dir), {
    message: `DATA_DIR ${dir} is in use by another sandbox process (pid ${process.pid}, see ${join(dir, 'LOCK')}); stop it first, or give this one its own DATA_DIR`,
  })
  release()

  // A live other process.
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' })
  t.teardown(() => void child.kill('SIGKILL'))
  await new Promise((r) => child.once('spawn', r))
  writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid: child.pid }))
  t.throws(() => lockDataDir(dir), { message: new RegExp(`in use by another sandbox process \\(pid ${child.pid}`) })

  // The same pid, but another start time: the pid was reused by a later process.
  writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid: child.pid, start: '1' }))
  lockDataDir(dir)()

  // Killed with -9: its lock stays behind and is stale.
  child.kill('SIGKILL')
  await new Promise((r) => child.once('exit', r))
  writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid: child.pid }))
  const mine = lockDataDir(dir)
  t.same(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')).pid, process.pid)
  mine()

  // Half written by a process that died while writing it.
  writeFileSync(join(dir, 'LOCK'), '{"pi')
  lockDataDir(dir)()
  t.notOk(readdirSync(dir).includes('LOCK'))
})

t.test('a refused recovery is a JournalCorruptError the server can print on one line', async (t) => {
  const dir = t.testdir({ 'journal-000001.jsonl': '{"v":1,"seq":1,"put":[],"del":[]}\nnot json\n{"v":1,"seq":3,"put":[],"del":[]}\n' })
  try {
    openStore(t, dir)
    t.fail('should refuse')
  } catch (err) {
    t.ok(err instanceof JournalCorruptError)
    t.notMatch((err as Error).message, /\n/, 'one line')
    t.equal((err as JournalCorruptError).line, 2)
  }
})

t.test('a snapshot is its header, one line per chunk of records, and its end record', async (t) => {
  const dir = t.testdir({})
  const a = openStore(t, dir, { snapshotChunk: 4 })
  for (let i = 0; i < 10; i++) a.store.put(`c${i}`, i, a.dd)
  await a.dd.writer.written()
  await a.dd.compact()
  await a.dd.close()
  const snap = lines(join(dir, 'snapshot-000002.jsonl')).map((l) => JSON.parse(l))
  t.same(
    snap.map(({ t: _t, ...r }) => r),
    [
      { v: 2, snapshot: 2, seq: 1 },
      { v: 2, r: [0, 1, 2, 3].map((i) => ({ put: [{ id: `c${i}`, n: i }], del: [] })) },
      { v: 2, r: [4, 5, 6, 7].map((i) => ({ put: [{ id: `c${i}`, n: i }], del: [] })) },
      { v: 2, r: [8, 9].map((i) => ({ put: [{ id: `c${i}`, n: i }], del: [] })) },
      { v: 2, end: 10 },
    ],
  )
})

t.test('a snapshot of the earlier format (one record per line) is still read', async (t) => {
  const dir = t.testdir({
    'snapshot-000002.jsonl':
      [
        { v: 1, snapshot: 2, seq: 4, t: 1 },
        { v: 1, put: [{ id: 'a', n: 1 }], del: [] },
        { v: 1, put: [{ id: 'b', n: 2 }], del: [] },
        { v: 1, end: 2 },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    'journal-000002.jsonl': JSON.stringify({ v: 1, seq: 5, t: 2, put: [{ id: 'c', n: 3 }], del: ['a'] }) + '\n',
  })
  const a = openStore(t, dir)
  t.teardown(() => a.dd.close())
  t.same(
    [...a.store.docs.values()],
    [
      { id: 'b', n: 2 },
      { id: 'c', n: 3 },
    ],
  )
  t.same({ ...a.info, durationMs: 0 }, { snapshot: 2, journals: [2], units: 1, records: 2, torn: undefined, durationMs: 0 })
  // A line of another version inside a snapshot is refused.
  const mixed = t.testdir({
    'snapshot-000002.jsonl':
      [
        { v: 2, snapshot: 2, seq: 0, t: 1 },
        { v: 1, put: [], del: [] },
        { v: 2, end: 0 },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
  })
  t.throws(() => openStore(t, mixed), {
    message: /snapshot-000002\.jsonl: line 2 \(byte \d+\) has record version 1 in a snapshot of version 2/,
  })
})

t.test('a clean stop folds a journal past its threshold into a snapshot; a small one is left as it is', async (t) => {
  const dir = t.testdir({})
  const a = openStore(t, dir, { compactOnCloseBytes: 2000 })
  for (let i = 0; i < 10; i++) a.store.put(`c${i}`, i, a.dd)
  await a.dd.writer.written()
  await a.dd.close()
  t.same(readdirSync(dir).sort(), ['journal-000001.jsonl'], 'under the threshold: no compaction')

  const b = openStore(t, dir, { compactOnCloseBytes: 2000 })
  for (let i = 0; i < 100; i++) {
    b.store.put(`c${i % 20}`, i, b.dd)
    await b.dd.writer.written()
  }
  t.ok(b.dd.writer.bytes > 2000, `the journal passed the threshold (${b.dd.writer.bytes} bytes)`)
  const expected = [...b.store.docs.entries()].sort()
  await b.dd.close()
  t.same(readdirSync(dir).sort(), ['journal-000002.jsonl', 'snapshot-000002.jsonl'], 'the journal is replaced by a snapshot')
  t.equal(readFileSync(join(dir, 'journal-000002.jsonl')).length, 0)

  const c = openStore(t, dir, { compactOnCloseBytes: 2000 })
  t.same([...c.store.docs.entries()].sort(), expected)
  t.same({ snapshot: c.info.snapshot, units: c.info.units, records: c.info.records }, { snapshot: 2, units: 0, records: 20 })
  await c.dd.close()
  t.same(readdirSync(dir).sort(), ['journal-000002.jsonl', 'snapshot-000002.jsonl'], 'nothing new: nothing rewritten')
})
