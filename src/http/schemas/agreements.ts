import * as z from 'zod'
import type { CreateAgreementInput, InitialChargeInput } from '../../domain/agreement.js'
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

const DateTimeSchema = z.iso.datetime({ offset: true })

/** PPRO's `ConsumerUpdate`: what a charge of an agreement may add to the agreement's consumer. */
const ConsumerUpdateSchema = z.strictObject({
  taxIdentification: z.string().optional(),
  client: z.strictObject({ ip: z.string().optional(), userAgent: z.string().max(500).optional() }).optional(),
})

/** PPRO's `PaymentCharge` (an agreement's initial charge) and `AgreementChargeRequest` (a later one). */
export const AgreementChargeBodySchema = z.strictObject({
  initiator: InitiatorSchema.optional(),
  scheduleType: ScheduleTypeSchema.optional(),
  paymentDescriptor: z.string().optional(),
  amount: MoneySchema,
  autoCapture: z.boolean().optional(),
  order: OrderSchema.optional(),
  merchantPaymentChargeReference: z.string().optional(),
  webhooksUrl: WebhooksUrlSchema.optional(),
  authenticationSettings: AuthenticationSettingsSchema.optional(),
  consumer: ConsumerUpdateSchema.optional(),
  labels: LabelsSchema.optional(),
  initialSchemeAuthorizationReference: z.string().optional(),
  initialTransactionLinkReference: z.string().optional(),
}) satisfies z.ZodType<InitialChargeInput>

/** `POST /v1/payment-agreements`: PPRO's `AgreementRequest`. */
export const CreateAgreementBodySchema = z.strictObject({
  paymentMethod: PaymentMethodNameSchema,
  paymentMedium: PaymentMediumSchema.optional(),
  description: z.string().max(100).optional(),
  merchantPaymentAgreementReference: z.string().optional(),
  frequency: z
    .strictObject({ type: z.enum(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']), interval: z.int().min(1).max(1000).optional() })
    .optional(),
  startDate: DateTimeSchema.optional(),
  endDate: DateTimeSchema.optional(),
  amount: MoneySchema.optional(),
  amountType: z.enum(['MAX', 'EXACT', 'VARIABLE']).optional(),
  instrumentId: z.string().optional(),
  instrument: z.looseObject({}).optional(),
  paymentSessionId: z.string().optional(),
  consumer: ConsumerSchema,
  webhooksUrl: WebhooksUrlSchema.optional(),
  initialPaymentCharge: AgreementChargeBodySchema.omit({
    initialSchemeAuthorizationReference: true,
    initialTransactionLinkReference: true,
  }).optional(),
  authenticationSettings: AuthenticationSettingsSchema.optional(),
  initialSchemeAuthorizationReference: z.string().optional(),
  initialTransactionLinkReference: z.string().optional(),
  labels: LabelsSchema.optional(),
}) satisfies z.ZodType<CreateAgreementInput>

/** PPRO's `AgreementRevocationRequest`: `{}`. */
export const RevocationBodySchema = z.strictObject({}).nullish()

export const AgreementParamsSchema = z.object({ agreementId: z.string() })
