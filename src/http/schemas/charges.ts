import * as z from 'zod'
import type { CreateChargeInput, RefundInput } from '../../domain/charge.js'
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
}) satisfies z.ZodType<CreateChargeInput>

export const ChargeParamsSchema = z.object({ paymentChargeId: z.string() })

export const SearchChargesQuerySchema = z.object({
  merchantPaymentChargeReference: z.string().optional(),
  agreementId: z.string().optional(),
  page: z.string().optional(),
})

const RefundReasonSchema = z.enum(['RETURN', 'DUPLICATE', 'FRAUD', 'CUSTOMER_REQUEST', 'PRE_DISPUTE', 'OTHER'])

/** `POST .../refunds`: PPRO's `RefundRequest` (labels within PPRO's limits, as on a charge). */
export const RefundBodySchema = z.strictObject({
  amount: z.int().min(1),
  merchantRefundReference: z.string().optional(),
  refundReason: RefundReasonSchema.optional(),
  refundDescriptor: z.string().optional(),
  labels: LabelsSchema.optional(),
}) satisfies z.ZodType<RefundInput>

/** `POST .../captures`: PPRO's `CaptureRequest`, validated before KakaoPay refuses it. */
export const CaptureBodySchema = z.strictObject({
  amount: z.int().min(1),
  merchantCaptureReference: z.string().optional(),
  labels: LabelsSchema.optional(),
})

/** `POST .../voids`: PPRO's `VoidRequest`. */
export const VoidBodySchema = z.strictObject({
  amount: z.int().min(1),
  merchantVoidReference: z.string().optional(),
  labels: LabelsSchema.optional(),
})

/** `POST .../authorizations`: PPRO's `ConfirmationRequest`. */
export const ConfirmationBodySchema = z.strictObject({
  authenticationResult: z.strictObject({ type: z.string().optional(), details: z.record(z.string(), z.unknown()) }),
})

/** `POST .../discards` (the sandbox's own path: PPRO publishes none). */
export const DiscardBodySchema = z.strictObject({ merchantDiscardReference: z.string().optional() }).nullish()

export const SubresourceParamsSchema = z.object({ paymentChargeId: z.string(), subresourceId: z.string() })
