import { FUNDS_STATES, type FundsState } from './charge.js'
import { type FailureCode, isFailureCode, PROVIDER_DECLINE_CODES } from './failures.js'

/**
 * PPRO's own simulator declines amounts from 300,000 to 400,000 at authorization, whatever the
 * consumer does: ending in 01 as GENERIC_DECLINE, in 02 as INSUFFICIENT_FUNDS, any other as GENERIC_DECLINE.
 */
export function simulatedDecline(amount: number): FailureCode | undefined {
  if (amount < 300_000 || amount > 400_000) return undefined
  return amount % 100 === 2 ? 'INSUFFICIENT_FUNDS' : 'GENERIC_DECLINE'
}

/** What a charge's `paymentDescriptor` asks the simulator to do (PPRO's `key=value;key=value` form). */
export interface Simulation {
  /** The consumer's decision, made by the sandbox after `consumerActionDelayMs`. */
  consumerAction?: 'approve' | 'decline' | 'cancel'
  consumerActionDelayMs?: number
  declineCode?: FailureCode
  /** After approval: `AUTHORIZATION_ASYNC` until the provider confirms, `providerConfirmationDelayMs` later. */
  providerConfirmation?: boolean
  providerConfirmationDelayMs?: number
  /** Refunds stay `PENDING` and settle `refundPendingDelayMs` later as `refundPendingResult`. */
  refundPending?: boolean
  refundPendingDelayMs?: number
  refundPendingResult?: 'REFUNDED' | 'FAILED'
  /** A `FUNDS_STATE_CHANGED` to this state, `fundsEventScheduleDelayMs` after the capture (or each refund). */
  fundsEventType?: FundsState
  fundsEventScheduleDelayMs?: number
}

/** PPRO's mock-processor keys that do not apply to KakaoPay (always REDIRECT, always auto-captured). */
const NOT_APPLICABLE = new Set(['requiresAuthentication', 'authenticationType', 'requiresCapture'])

const DEFAULT_DELAY_MS = 10_000

/** `10s`, `10` (seconds), `1500ms`, `2m`. */
function parseDelay(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim())
  if (!m) return undefined
  const n = Number(m[1])
  return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000)
}

const bool = (v: string) => (v === 'true' ? true : v === 'false' ? false : undefined)

type Parser = (value: string, into: Simulation) => boolean

const KEYS: Record<string, Parser> = {
  consumerAction: (v, s) => {
    const a = v.toLowerCase()
    if (a !== 'approve' && a !== 'decline' && a !== 'cancel') return false
    s.consumerAction = a
    return true
  },
  consumerActionDelay: (v, s) => set(s, 'consumerActionDelayMs', parseDelay(v)),
  declineCode: (v, s) => {
    if (!isFailureCode(v) || !PROVIDER_DECLINE_CODES.includes(v)) return false
    s.declineCode = v
    return true
  },
  providerConfirmation: (v, s) => set(s, 'providerConfirmation', bool(v)),
  providerConfirmationDelay: (v, s) => set(s, 'providerConfirmationDelayMs', parseDelay(v)),
  refundPending: (v, s) => set(s, 'refundPending', bool(v)),
  refundPendingDelay: (v, s) => set(s, 'refundPendingDelayMs', parseDelay(v)),
  refundPendingResult: (v, s) => (v === 'REFUNDED' || v === 'FAILED' ? set(s, 'refundPendingResult', v) : false),
  fundsEventType: (v, s) => ((FUNDS_STATES as readonly string[]).includes(v) ? set(s, 'fundsEventType', v as FundsState) : false),
  fundsEventScheduleDelay: (v, s) => set(s, 'fundsEventScheduleDelayMs', parseDelay(v)),
}

function set<K extends keyof Simulation>(s: Simulation, key: K, value: Simulation[K] | undefined): boolean {
  if (value === undefined) return false
  s[key] = value
  return true
}

export interface ParsedDescriptor {
  simulation?: Simulation
  /** Keys the sandbox does not know, values it could not read, and PPRO keys with no effect on KakaoPay. */
  ignored: string[]
}

/**
 * Reads simulation keys from a descriptor. The descriptor is free text to PPRO, so nothing here is an
 * error: a descriptor without `key=value` segments is plain text, and what cannot be used is listed.
 */
export function parseDescriptor(descriptor: string | undefined): ParsedDescriptor {
  const ignored: string[] = []
  if (!descriptor || !descriptor.includes('=')) return { ignored }
  const s: Simulation = {}
  let used = 0
  for (const segment of descriptor.split(';')) {
    const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(segment)
    if (!m) continue
    const [, key, value] = m as unknown as [string, string, string]
    const parser = KEYS[key]
    if (parser?.(value, s)) used++
    else ignored.push(NOT_APPLICABLE.has(key) ? `${key} (no effect on KakaoPay)` : parser ? `${key}=${value} (invalid value)` : key)
  }
  if (used === 0) return { ignored }
  if (s.providerConfirmation) s.providerConfirmationDelayMs ??= DEFAULT_DELAY_MS
  if (s.refundPending) {
    s.refundPendingDelayMs ??= DEFAULT_DELAY_MS
    s.refundPendingResult ??= 'REFUNDED'
  }
  if (s.fundsEventType) s.fundsEventScheduleDelayMs ??= DEFAULT_DELAY_MS
  if (s.consumerAction) s.consumerActionDelayMs ??= 0
  return { simulation: s, ignored }
}
