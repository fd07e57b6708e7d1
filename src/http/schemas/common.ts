import * as z from 'zod'

/** Shapes shared by PPRO's request bodies (`Money`, `Address`, labels, URLs). */

export const HTTP_URL_MESSAGE = 'must be an absolute http or https URL'

export function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false
  try {
    new URL(value)
    return true
  } catch {
    return false
  }
}

export const HttpUrlSchema = z.string().refine(isHttpUrl, { message: HTTP_URL_MESSAGE })

/**
 * PPRO's `webhooksUrl` pattern demands https; the sandbox also takes http so a receiver on the
 * developer's machine works (CONTRACT.md, Webhooks).
 */
export const WebhooksUrlSchema = z
  .string()
  .regex(/^(https?):\/\/[-a-zA-Z0-9+&@#/%?=~_|!:,.;]*[-a-zA-Z0-9+&@#/%=~_|]$/)
  .refine(isHttpUrl, { message: HTTP_URL_MESSAGE })

export const MoneySchema = z.strictObject({
  value: z.int(),
  currency: z.string().length(3),
})

export const CountrySchema = z.string().regex(/^[A-Z]{2}$/)

export const LabelsSchema = z
  .record(z.string().max(50), z.string().max(200))
  .refine((o) => Object.keys(o).length <= 50, { message: 'must have at most 50 labels' })

export const AddressSchema = z.strictObject({
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  phoneNumber: z.string().optional(),
  street: z.string().optional(),
  postalCode: z.string().optional(),
  city: z.string().optional(),
  region: z.string().optional(),
  country: CountrySchema.optional(),
})

export const ConsumerSchema = z.strictObject({
  name: z.string().optional(),
  email: z.email().optional(),
  phone: z.string().optional(),
  birthDate: z.iso.date().optional(),
  country: CountrySchema,
  locale: z
    .string()
    .regex(/^[a-z]{2,3}-[A-Z]{2}$/)
    .length(5)
    .optional(),
  client: z.strictObject({ ip: z.string().optional(), userAgent: z.string().max(500).optional() }).optional(),
  taxIdentification: z.string().optional(),
  merchantConsumerReference: z.string().optional(),
  billingAddress: AddressSchema.optional(),
  profile: z
    .strictObject({
      createdDate: z.iso.date().optional(),
      firstOrderDate: z.iso.date().optional(),
      lastOrderDate: z.iso.date().optional(),
      lifetimeOrderCount: z.int().optional(),
      lifetimeOrderValue: z.int().optional(),
      lifetimeCanceledOrderCount: z.int().optional(),
    })
    .optional(),
})

export const OrderSchema = z.strictObject({
  orderItems: z
    .array(
      z.strictObject({
        sku: z.string().optional(),
        category: z.string().optional(),
        subCategory: z.string().optional(),
        name: z.string().min(1),
        quantity: z.int(),
        amount: z.int(),
      }),
    )
    .optional(),
  shippingMethod: z.enum(['VIRTUAL', 'TRACKED_DELIVERY', 'UNTRACKED_DELIVERY', 'IN_STORE_PICKUP', 'LOCKER_PICKUP', 'HYBRID']).optional(),
  shippingAddress: AddressSchema.optional(),
  // Airline, education and travel data: PPRO validates these per industry; KakaoPay ignores them.
  industryData: z.array(z.looseObject({ type: z.enum(['AIRLINE', 'EDUCATION', 'TRAVEL']) })).optional(),
  orderReferenceNumber: z.string().optional(),
  totalTaxAmount: z.int().optional(),
  installmentPlan: z.strictObject({ numberOfInstallments: z.int(), feePaidBy: z.enum(['MERCHANT', 'CONSUMER']).optional() }).optional(),
})

export const RedirectSettingsSchema = z.strictObject({
  type: z.literal('REDIRECT'),
  settings: z.strictObject({ returnUrl: HttpUrlSchema.optional() }).optional(),
})

/** PPRO's other authentication types: accepted as the schema allows, never offered by KakaoPay. */
const OtherSettingsSchema = z.looseObject({
  type: z.enum(['EXTERNAL_3DS', '3DS', 'SCAN_CODE', 'MULTI_FACTOR', 'APP_INTENT', 'APP_NOTIFICATION']),
  settings: z.looseObject({}).optional(),
})

export const AuthenticationSettingsSchema = z.array(z.discriminatedUnion('type', [RedirectSettingsSchema, OtherSettingsSchema]))

export const PaymentMethodNameSchema = z
  .string()
  .min(1)
  .regex(/^[A-Z0-9_]+$/)
export const PaymentMediumSchema = z.enum(['ECOMMERCE', 'MOTO', 'POS'])
export const InitiatorSchema = z.enum(['CONSUMER', 'MERCHANT'])
export const ScheduleTypeSchema = z.enum(['SCHEDULED', 'SCHEDULED_RETRY', 'UNSCHEDULED', 'RECURRING'])
