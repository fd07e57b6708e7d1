import { customAlphabet } from 'nanoid'

/** Makes an id: the type prefix (`charge_`, `refund_`, or `` for webhook events) plus 21 characters. */
export type IdGenerator = (prefix: string) => string

const alnum = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 21)

export const randomIds: IdGenerator = (prefix) => prefix + alnum()

/** Deterministic ids for tests: `charge_000000000000000000001`, counting per generator. */
export function sequentialIds(): IdGenerator {
  let n = 0
  return (prefix) => prefix + String(++n).padStart(21, '0')
}

export const ID_PATTERN = /^[a-z]+_[A-Za-z0-9]{21}$/
