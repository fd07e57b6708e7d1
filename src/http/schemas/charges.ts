import { z } from 'zod'
import {
  AuthenticationSettingsSchema,
  ConsumerSchema,
  InitiatorSchema,
  LabelsSchema,
  MoneySchema,
  OrderSchema,
  PaymentMediumSchema,
  PaymentMethodNameSchema,
  ScheduleTypeSchema,
  WebhooksUrlSchema,
} from './common.js'

/** `POST /v1/payment-charges`: PPRO's `AuthorizationRequest`. */
export const CreateChargeBodySchema = z.strictObject({
  paymentMethod: PaymentMethodNameSchema,
  paymentMedium: PaymentMediumSchema.optional(),
  paymentDescriptor: z.string().optional(),
  initialSchemeAuthorizationReference: z.string().optional(),
  initialTransactionLinkReference: z.string().optional(),
  initiator: InitiatorSchema.optional(),
  scheduleType: ScheduleTypeSchema.optional(),
  instrumentId: z.string().optional(),
  // Card and bank instruments: valid for other methods, never used by KakaoPay.
  instrument: z.looseObject({}).optional(),
  instrumentUpdateDetails: z.looseObject({}).optional(),
  amount: MoneySchema,
  consumer: ConsumerSchema,
  order: OrderSchema.optional(),
  merchantPaymentChargeReference: z.string().optional(),
  authenticationSettings: AuthenticationSettingsSchema.optional(),
  autoCapture: z.boolean().optional(),
  webhooksUrl: WebhooksUrlSchema.optional(),
  labels: LabelsSchema.optional(),
})
export type CreateChargeBody = z.output<typeof CreateChargeBodySchema>

export const ChargeParamsSchema = z.object({ paymentChargeId: z.string() })

export const SearchChargesQuerySchema = z.object({
  merchantPaymentChargeReference: z.string().optional(),
  agreementId: z.string().optional(),
  page: z.string().optional(),
})
