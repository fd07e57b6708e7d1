import * as z from 'zod'
import {
  AuthenticationSettingsSchema,
  ConsumerSchema,
  InitiatorSchema,
  LabelsSchema,
  OrderSchema,
  PaymentMethodNameSchema,
  WebhooksUrlSchema,
} from './common.js'

/** The request shapes of PPRO's payment sessions file (`ppro-payment-sessions.json`). */

const DateTimeSchema = z.iso.datetime({ offset: true })
const AmountTypeSchema = z.enum(['MAX', 'EXACT', 'VARIABLE'])

/** `Money`: whole, as every request of the file gives it. */
const MoneySchema = z.strictObject({ value: z.int(), currency: z.string().length(3) })

/** `MoneyWithType`: money with PPRO's deprecated `type`, the older place of `amountType`. */
const MoneyWithTypeSchema = z.strictObject({ value: z.int(), currency: z.string().length(3), type: AmountTypeSchema.optional() })

/** The sessions file's `Frequency` also knows `UNSCHEDULED`. */
const FrequencySchema = z.strictObject({
  type: z.enum(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY', 'UNSCHEDULED']),
  interval: z.int().min(1).max(1000).optional(),
})

/** `InitialPaymentCharge`: the first payment of a recurring session. */
const InitialPaymentChargeSchema = z.strictObject({
  initiator: InitiatorSchema.optional(),
  paymentDescriptor: z.string().optional(),
  amount: MoneySchema,
  autoCapture: z.boolean().optional(),
  merchantPaymentChargeReference: z.string().optional(),
  webhooksUrl: WebhooksUrlSchema.optional(),
  labels: LabelsSchema.optional(),
})

/** `POST /v1/payment-sessions`: PPRO's `CreationRequest`. */
export const CreateSessionBodySchema = z.strictObject({
  amount: MoneyWithTypeSchema,
  amountType: AmountTypeSchema.optional(),
  consumer: ConsumerSchema,
  recurring: z.boolean(),
  webhooksUrl: WebhooksUrlSchema.optional(),
  authenticationSettings: AuthenticationSettingsSchema.optional(),
  paymentDescriptor: z.string().optional(),
  merchantPaymentChargeReference: z.string().optional(),
  merchantPaymentAgreementReference: z.string().optional(),
  paymentAgreementId: z.string().optional(),
  order: OrderSchema.optional(),
  initialPaymentCharge: InitialPaymentChargeSchema.optional(),
  frequency: FrequencySchema.optional(),
  startDate: DateTimeSchema.optional(),
  endDate: DateTimeSchema.optional(),
  autoCapture: z.boolean().optional(),
  labels: LabelsSchema.optional(),
})

/**
 * `PATCH /v1/payment-sessions/{id}` (`application/merge-patch+json`): PPRO's `PatchRequest`. Objects merge
 * into the session's (RFC 7396); PPRO's schema allows no `null`, so nothing can be removed.
 */
export const PatchSessionBodySchema = z.strictObject({
  amount: MoneyWithTypeSchema.optional(),
  amountType: AmountTypeSchema.optional(),
  paymentDescriptor: z.string().optional(),
  // Merged into the session's order: each field is checked here, the whole order on authorization.
  order: OrderSchema.partial().optional(),
  initialPaymentCharge: InitialPaymentChargeSchema.omit({ labels: true }).partial().optional(),
})

/** PPRO's `Consumer` as an authorization gives it: any field, each overriding the session's. */
const ConsumerOverrideSchema = ConsumerSchema.partial()

/** Authorization-time authentication settings: the file allows MULTI_FACTOR and APP_NOTIFICATION only. */
const AuthorizationSettingsSchema = z.array(
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('MULTI_FACTOR'), settings: z.strictObject({ verificationCode: z.string().optional() }).optional() }),
    z.strictObject({
      type: z.literal('APP_NOTIFICATION'),
      settings: z.strictObject({ instrumentProviderIdentity: z.string().optional() }).optional(),
    }),
  ]),
)

/** `POST /v1/payment-sessions/{id}/authorizations`: PPRO's `AuthorizationRequest`. */
export const AuthorizeSessionBodySchema = z.strictObject({
  paymentMethod: PaymentMethodNameSchema,
  consumer: ConsumerOverrideSchema.optional(),
  amount: MoneyWithTypeSchema.optional(),
  amountType: AmountTypeSchema.optional(),
  initialPaymentCharge: InitialPaymentChargeSchema.optional(),
  // Card and bank instruments: valid for other methods, never used by KakaoPay.
  instrument: z.looseObject({ type: z.string() }).optional(),
  authenticationSettings: AuthorizationSettingsSchema.optional(),
  startDate: DateTimeSchema.optional(),
  endDate: DateTimeSchema.optional(),
  frequency: FrequencySchema.optional(),
  labels: LabelsSchema.optional(),
})

export const SessionParamsSchema = z.object({ sessionId: z.string() })
