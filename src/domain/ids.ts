import { random } from 'nanoid'

/** Makes an id: the type prefix (`charge_`, `refund_`, or `` for webhook events) plus 21 characters. */
export type IdGenerator = (prefix: string) => string

const ALPHABET = Buffer.from('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 'latin1')
const LENGTH = 21

/** Random bytes taken from nanoid's secure pool 256 at a time, copied so that nothing else refills them. */
const POOL_SIZE = 256
const pool = Buffer.allocUnsafe(POOL_SIZE)
let offset = POOL_SIZE
/** Where an id is put together before it is read out; prefixes are a few letters. */
const scratch = Buffer.allocUnsafe(64)

/**
 * 21 characters of `[A-Za-z0-9]` from nanoid's secure random bytes, without bias (bytes past the 62
 * letters are skipped). Written into one reused buffer and read out once: a flat string of the final
 * length, where building it a character at a time would leave a chain of string pieces per id (the
 * sandbox keeps several ids for every charge it stores), and no buffer is made per id.
 */
export const randomIds: IdGenerator = (prefix) => {
  const end = prefix.length + LENGTH
  const out = end <= scratch.length ? scratch : Buffer.allocUnsafe(end)
  let i = out.write(prefix, 'latin1')
  while (i < end) {
    if (offset === POOL_SIZE) {
      pool.set(random(POOL_SIZE))
      offset = 0
    }
    const v = pool[offset++]! & 63
    if (v < 62) out[i++] = ALPHABET[v]!
  }
  return out.toString('latin1', 0, end)
}

/** Deterministic ids for tests: `charge_000000000000000000001`, counting per generator. */
export function sequentialIds(): IdGenerator {
  let n = 0
  return (prefix) => prefix + String(++n).padStart(21, '0')
}

export const ID_PATTERN = /^[a-z]+_[A-Za-z0-9]{21}$/

/**
 * One shared string per value: merchant ids arrive as a new string with every request, and thousands
 * of records would otherwise each hold their own copy.
 */
export function interner(): (value: string) => string {
  const seen = new Map<string, string>()
  return (value) => {
    const known = seen.get(value)
    if (known !== undefined) return known
    seen.set(value, value)
    return value
  }
}

/**
 * One shared string per value for request fields that repeat from charge to charge (a shop's return
 * URL, its payment descriptor), where each request would otherwise keep its own copy. Bounded: it
 * remembers at most `max` values (each at most `maxLength` long) and starts over when full, so values
 * that never repeat cost only their turn in it.
 */
export function boundedInterner(max = 1024, maxLength = 512): <S extends string | undefined>(value: S) => S {
  let seen = new Map<string, string>()
  return <S extends string | undefined>(value: S): S => {
    if (value === undefined || value.length > maxLength) return value
    const known = seen.get(value)
    if (known !== undefined) return known as S
    if (seen.size >= max) seen = new Map()
    seen.set(value, value)
    return value
  }
}
