import * as z from 'zod'
import type { FailureCode } from './failures.js'

/** One payment method's properties, as PPRO's page for it lists them. Loaded from fixtures, not code. */
export const PaymentMethodSchema = z.strictObject({
  paymentMethod: z.string().regex(/^[A-Z0-9_]+$/),
  displayName: z.string(),
  source: z.string().optional(),
  markets: z.array(z.string().regex(/^[A-Z]{2}$/)).min(1),
  processingCurrencies: z.array(z.string().length(3)).min(1),
  consumerCurrencies: z.array(z.string().length(3)),
  settlementCurrencies: z.array(z.string().length(3)),
  authenticationMethods: z.array(z.string()).min(1),
  minimumAmount: z.object({ value: z.number().int().nonnegative(), currency: z.string().length(3) }),
  maximumAmount: z.object({ value: z.number().int().positive(), currency: z.string().length(3) }),
  recurringPayments: z.boolean(),
  separateCaptures: z.boolean(),
  refunds: z.array(z.enum(['FULL', 'PARTIAL', 'MULTIPLE'])),
  refundValidityDays: z.number().int().positive(),
  chargebacks: z.boolean(),
  checkoutPage: z.object({
    brandColor: z.string(),
    brandTextColor: z.string(),
    currencySuffix: z.string(),
    locale: z.string(),
  }),
})

export type PaymentMethod = z.output<typeof PaymentMethodSchema>

/** What a payment request asks of a method, in the terms its properties speak of. */
export interface MethodRequest {
  paymentMethod: string
  country: string
  /** Undefined for an agreement that names no amount. */
  currency: string | undefined
  /** Undefined for an agreement: its charges are checked one by one. */
  amount?: number
  authenticationTypes: readonly string[]
  returnUrl: string | undefined
  /** A charge on an active agreement: no consumer step, so no authentication settings are needed. */
  merchantInitiated?: boolean
  /** An agreement: the method must support recurring payments. */
  recurring?: boolean
}

export class PaymentMethods {
  readonly #byName: Map<string, PaymentMethod>
  constructor(methods: readonly PaymentMethod[]) {
    this.#byName = new Map(methods.map((m) => [m.paymentMethod, m]))
  }

  get(name: string): PaymentMethod | undefined {
    return this.#byName.get(name)
  }

  /** The name a person reads (`KakaoPay`), or the code when the method is unknown. */
  displayName(name: string): string {
    return this.#byName.get(name)?.displayName ?? name
  }

  get names(): string[] {
    return [...this.#byName.keys()]
  }

  /**
   * The first property a charge or agreement breaks, as the failure code PPRO declines it with, or
   * undefined. Checked in the order a merchant would fix them: method (and recurring support), market,
   * currency, amount, authentication.
   */
  check(req: MethodRequest): FailureCode | undefined {
    const m = this.#byName.get(req.paymentMethod)
    if (!m || (req.recurring && !m.recurringPayments)) return 'INVALID_PAYMENT_METHOD'
    if (!m.markets.includes(req.country)) return 'COUNTRY_NOT_SUPPORTED'
    if (req.currency !== undefined && !m.processingCurrencies.includes(req.currency)) return 'INVALID_CURRENCY'
    if (req.amount !== undefined && (req.amount < m.minimumAmount.value || req.amount > m.maximumAmount.value))
      return 'AMOUNT_NOT_SUPPORTED'
    if (m.authenticationMethods.includes('REDIRECT') && !req.merchantInitiated) {
      if (!req.authenticationTypes.includes('REDIRECT') || !req.returnUrl) return 'INVALID_AUTHENTICATION_SETTINGS'
    }
    return undefined
  }
}
