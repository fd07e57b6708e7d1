/**
 * Promises that wait for something the sandbox records: each check runs against what is already
 * recorded first, so an event that happened before the call resolves it at once; afterwards, every
 * `poke()` re-runs the checks of the promises still waiting. A timeout rejects with what was awaited and
 * what did happen, so a failing test says why.
 */
export class Waiters {
  readonly #pending = new Set<Pending>()
  #closed = false

  wait<T>(check: () => T | undefined, describe: { awaited: string; happened: () => string }, timeoutMs: number): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`${describe.awaited}: the sandbox is closed`))
    const found = check()
    if (found !== undefined) return Promise.resolve(found)
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        check: () => {
          const value = check()
          if (value === undefined) return false
          settle()
          resolve(value)
          return true
        },
        fail: (reason) => {
          settle()
          reject(new Error(`${describe.awaited}: ${reason}. ${describe.happened()}`))
        },
      }
      const timer = setTimeout(() => entry.fail(`nothing matched within ${timeoutMs} ms`), timeoutMs)
      const settle = () => {
        clearTimeout(timer)
        this.#pending.delete(entry)
      }
      this.#pending.add(entry)
    })
  }

  /**
   * The first value a subscription offers that `accept`s, where `subscribe` replays what was already
   * recorded before it hands on new values (as the event feed's `subscribe(…, {since: 0})` does).
   */
  follow<T>(
    subscribe: (offer: (value: T) => void) => () => void,
    accept: (value: T) => boolean,
    describe: { awaited: string; happened: (seen: readonly T[]) => string },
    timeoutMs: number,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`${describe.awaited}: the sandbox is closed`))
    return new Promise<T>((resolve, reject) => {
      const seen: T[] = []
      let settled = false
      let unsubscribe: (() => void) | undefined
      const settle = () => {
        settled = true
        clearTimeout(timer)
        this.#pending.delete(entry)
        unsubscribe?.()
      }
      const entry: Pending = {
        check: () => false,
        fail: (reason) => {
          settle()
          reject(new Error(`${describe.awaited}: ${reason}. ${describe.happened(seen)}`))
        },
      }
      const timer = setTimeout(() => entry.fail(`nothing matched within ${timeoutMs} ms`), timeoutMs)
      this.#pending.add(entry)
      unsubscribe = subscribe((value) => {
        if (settled) return
        seen.push(value)
        if (!accept(value)) return
        settle()
        resolve(value)
      })
      // Matched while replaying, before `subscribe` returned its unsubscribe.
      if (settled) unsubscribe()
    })
  }

  /** Something was recorded: re-check every waiting promise. */
  poke(): void {
    for (const p of [...this.#pending]) p.check()
  }

  close(): void {
    this.#closed = true
    for (const p of [...this.#pending]) p.fail('the sandbox was closed first')
  }
}

interface Pending {
  check(): boolean
  fail(reason: string): void
}

/** `{type: "X", chargeId: "c"}` as a reader would write it, leaving out what is not set. */
export function describeFilter(filter: object): string {
  const parts = Object.entries(filter)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
  if (Object.values(filter).some((v) => typeof v === 'function')) parts.push('where: <function>')
  return `{${parts.join(', ')}}`
}
