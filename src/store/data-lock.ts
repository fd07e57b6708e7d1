import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'

/** A second process on a DATA_DIR in use: the start stops with this message. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
}

interface LockContent {
  pid: number
  /** The process's start time (Linux: /proc/<pid>/stat, in clock ticks since boot), when known. */
  start?: string | undefined
}

/** When the process `pid` started, or undefined where /proc does not say. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 22 (starttime), counted after the command name, which is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

function alive(lock: LockContent): boolean {
  if (lock.pid === process.pid) {
    // Ours, or an earlier process that had our pid (a container restarts its server as pid 1 again).
    return lock.start !== undefined && lock.start === processStart(process.pid)
  }
  try {
    process.kill(lock.pid, 0)
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  // The pid may have been reused since: it is the same process only if it started at the same time.
  if (lock.start !== undefined) {
    const start = processStart(lock.pid)
    if (start !== undefined && start !== lock.start) return false
  }
  return true
}

/**
 * One process per DATA_DIR: `LOCK` is created exclusively and holds the pid and start time of its
 * owner. A lock left by a process that is gone (kill -9, a power loss, a container restart) is taken
 * over; one whose owner is alive refuses the start. Returns the release function.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, 'LOCK')
  const content = JSON.stringify({ pid: process.pid, start: processStart(process.pid) } satisfies LockContent) + '\n'
  for (let attempt = 0; ; attempt++) {
    let fd: number
    try {
      fd = openSync(path, 'wx')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err
      let held: LockContent | undefined
      try {
        held = JSON.parse(readFileSync(path, 'utf8')) as LockContent
      } catch {
        held = undefined // empty or half written: its writer died before finishing it
      }
      if (held && typeof held.pid === 'number' && alive(held)) {
        throw new DataDirLockedError(
          `DATA_DIR ${dir} is in use by another sandbox process (pid ${held.pid}, see ${path}); stop it first, or give this one its own DATA_DIR`,
        )
      }
      unlinkSync(path)
      continue
    }
    writeSync(fd, content)
    closeSync(fd)
    let released = false
    return () => {
      if (released) return
      released = true
      try {
        unlinkSync(path)
      } catch {
        // already gone
      }
    }
  }
}
