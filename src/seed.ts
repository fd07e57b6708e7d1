import * as z from 'zod'
import { ConfigError } from './config.js'
import { type FailureCode, PROVIDER_DECLINE_CODES } from './domain/failures.js'
import { CreateChargeBodySchema, RefundBodySchema } from './http/schemas/charges.js'
import type { Sandbox } from './sandbox.js'
import type { MerchantRegistry } from './webhooks/merchants.js'
import { SandboxConfigFileSchema } from './webhooks/merchants.js'

/** A `SEED_DIR` file: merchants with their webhook settings, and charges (API requests) brought to a given state. */
export const SeedFileSchema = z.strictObject({
  merchants: SandboxConfigFileSchema.shape.merchants,
  charges: z
    .array(
      z.strictObject({
        merchantId: z.string().min(1),
        request: CreateChargeBodySchema,
        outcome: z.enum(['pending', 'approve', 'decline', 'cancel', 'expire']).default('pending'),
        declineCode: z.enum(PROVIDER_DECLINE_CODES as [FailureCode, ...FailureCode[]]).optional(),
        refunds: z.array(RefundBodySchema).default([]),
      }),
    )
    .default([]),
})

/** A checked seed file and its name (for messages). */
export type SeedFile = z.output<typeof SeedFileSchema> & { name: string }

/**
 * Applies seed files, in order, through the same domain calls the API makes, so seeded charges have
 * their ids, timestamps and events like any other. A request the API would refuse stops the start.
 */
export function applySeed(files: readonly SeedFile[], sandbox: Sandbox, merchants: MerchantRegistry): { files: number; charges: number } {
  let charges = 0
  for (const file of files) {
    for (const [id, settings] of Object.entries(file.merchants)) merchants.set(id, settings)
    file.charges.forEach((seed, i) => {
      try {
        const charge = sandbox.charges.create(seed.merchantId, seed.request)
        if (seed.outcome === 'expire') sandbox.charges.expire(charge)
        else if (seed.outcome === 'decline')
          sandbox.charges.authenticate(charge, { action: 'decline', failureCode: seed.declineCode ?? 'AUTHENTICATION_FAILED' })
        else if (seed.outcome !== 'pending') sandbox.charges.authenticate(charge, { action: seed.outcome })
        for (const refund of seed.refunds) sandbox.refunds.refund(charge, refund)
      } catch (err) {
        throw new ConfigError(`SEED_DIR ${file.name}: charges[${i}]: ${(err as Error).message}`)
      }
      charges++
    })
  }
  return { files: files.length, charges }
}
