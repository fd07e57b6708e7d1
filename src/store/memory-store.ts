import type { Agreement } from '../domain/agreement.js'
import type { Charge } from '../domain/charge.js'

/**
 * Where the sandbox keeps its state. One process, in memory: the sandbox is for tests and demos, and
 * every change to one record happens inside one synchronous call, so no lock is needed.
 */
export interface Store {
  /** One shared string per merchant id, so thousands of records do not each hold a copy. */
  merchantKey(merchantId: string): string
  getCharge(id: string): Charge | undefined
  insertCharge(charge: Charge): void
  /** A merchant's charges, oldest first. */
  chargesOf(merchantId: string): readonly Charge[]
  getAgreement(id: string): Agreement | undefined
  insertAgreement(agreement: Agreement): void
  agreementsOf(merchantId: string): readonly Agreement[]
  /** Forgets a merchant's charges and agreements. */
  deleteMerchant(merchantId: string): void
}

export class MemoryStore implements Store {
  readonly #charges = new Map<string, Charge>()
  readonly #byMerchant = new Map<string, Charge[]>()
  readonly #agreements = new Map<string, Agreement>()
  readonly #agreementsByMerchant = new Map<string, Agreement[]>()
  readonly #merchantKeys = new Map<string, string>()

  merchantKey(merchantId: string): string {
    const key = this.#merchantKeys.get(merchantId)
    if (key !== undefined) return key
    this.#merchantKeys.set(merchantId, merchantId)
    return merchantId
  }

  getCharge(id: string): Charge | undefined {
    return this.#charges.get(id)
  }

  insertCharge(charge: Charge): void {
    this.#charges.set(charge.id, charge)
    const list = this.#byMerchant.get(charge.merchantId)
    if (list) list.push(charge)
    else this.#byMerchant.set(charge.merchantId, [charge])
  }

  chargesOf(merchantId: string): readonly Charge[] {
    return this.#byMerchant.get(merchantId) ?? []
  }

  getAgreement(id: string): Agreement | undefined {
    return this.#agreements.get(id)
  }

  insertAgreement(agreement: Agreement): void {
    this.#agreements.set(agreement.id, agreement)
    const list = this.#agreementsByMerchant.get(agreement.merchantId)
    if (list) list.push(agreement)
    else this.#agreementsByMerchant.set(agreement.merchantId, [agreement])
  }

  agreementsOf(merchantId: string): readonly Agreement[] {
    return this.#agreementsByMerchant.get(merchantId) ?? []
  }

  deleteMerchant(merchantId: string): void {
    for (const c of this.#byMerchant.get(merchantId) ?? []) this.#charges.delete(c.id)
    this.#byMerchant.delete(merchantId)
    for (const a of this.#agreementsByMerchant.get(merchantId) ?? []) this.#agreements.delete(a.id)
    this.#agreementsByMerchant.delete(merchantId)
  }
}
