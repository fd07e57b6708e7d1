import * as z from 'zod'

/** Per-merchant settings: where its webhooks go and what signs them. */
export interface MerchantSettings {
  webhookUrl?: string | undefined
  webhookSecret?: string | undefined
  /** The name the approval page shows the consumer (default: the merchant id). */
  displayName?: string | undefined
}

const httpUrl = z.url({ protocol: /^https?$/ })

/** The optional `SANDBOX_CONFIG` file. */
export const SandboxConfigFileSchema = z.strictObject({
  merchants: z
    .record(
      z.string().min(1),
      z.strictObject({
        webhookUrl: httpUrl.optional(),
        webhookSecret: z.string().min(1).optional(),
        displayName: z.string().min(1).max(100).optional(),
      }),
    )
    .default({}),
})

export class MerchantRegistry {
  readonly #settings = new Map<string, MerchantSettings>()

  constructor(
    private readonly defaults: { webhookUrl?: string | undefined; webhookSecret: string },
    initial: Record<string, MerchantSettings> = {},
  ) {
    for (const [id, s] of Object.entries(initial)) this.set(id, s)
  }

  set(merchantId: string, settings: MerchantSettings): void {
    this.#settings.set(merchantId, { ...this.#settings.get(merchantId), ...settings })
  }

  webhookUrl(merchantId: string): string | undefined {
    return this.#settings.get(merchantId)?.webhookUrl ?? this.defaults.webhookUrl
  }

  webhookSecret(merchantId: string): string {
    return this.#settings.get(merchantId)?.webhookSecret ?? this.defaults.webhookSecret
  }

  displayName(merchantId: string): string {
    return this.#settings.get(merchantId)?.displayName ?? merchantId
  }
}
