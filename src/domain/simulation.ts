import type { FailureCode } from './failures.js'

/**
 * PPRO's own simulator declines amounts from 300,000 to 400,000 at authorization, whatever the
 * consumer does: ending in 01 as GENERIC_DECLINE, in 02 as INSUFFICIENT_FUNDS, any other as GENERIC_DECLINE.
 */
export function simulatedDecline(amount: number): FailureCode | undefined {
  if (amount < 300_000 || amount > 400_000) return undefined
  return amount % 100 === 2 ? 'INSUFFICIENT_FUNDS' : 'GENERIC_DECLINE'
}
