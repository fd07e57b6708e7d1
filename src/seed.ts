import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { type FailureCode, PROVIDER_DECLINE_CODES } from './domain/failures.js'
import type { Sandbox } from './domain/sandbox.js'
import { describeIssues } from './http/validation.js'
import { CreateChargeBodySchema, RefundBodySchema } from './http/schemas/charges.js'
import type { MerchantRegistry } from './webhooks/merchants.js'
import { SandboxConfigFileSchema } from './webhooks/merchants.js'

/** A `SEED_DIR` file: merchants with their webhook settings, and charges brought to a given state. */
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

/**
 * Applies every `*.json` of the folder, in name order, through the same domain calls the API makes,
 * so seeded charges have their ids, timestamps and events like any other. A bad file stops the start.
 */
export async function applySeed(dir: string, sandbox: Sandbox, merchants: MerchantRegistry): Promise<{ files: number; charges: number }> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()
  let charges = 0
  for (const name of names) {
    let raw: unknown
    try {
      raw = JSON.parse(await readFile(join(dir, name), 'utf8'))
    } catch (err) {
      throw new Error(`SEED_DIR ${name}: ${(err as Error).message}`)
    }
    const parsed = SeedFileSchema.safeParse(raw)
    if (!parsed.success) throw new Error(`SEED_DIR ${name}: ${describeIssues(parsed.error.issues)}`)
    for (const [id, settings] of Object.entries(parsed.data.merchants)) merchants.set(id, settings)
    for (const seed of parsed.data.charges) {
      const charge = sandbox.charges.create(seed.merchantId, seed.request)
      if (seed.outcome === 'expire') sandbox.charges.expire(charge)
      else if (seed.outcome === 'decline')
        sandbox.charges.authenticate(charge, { action: 'decline', failureCode: seed.declineCode ?? 'AUTHENTICATION_FAILED' })
      else if (seed.outcome !== 'pending') sandbox.charges.authenticate(charge, { action: seed.outcome })
      for (const refund of seed.refunds) sandbox.refunds.refund(charge, refund)
      charges++
    }
  }
  return { files: names.length, charges }
}
