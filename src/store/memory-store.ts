import type { Charge } from '../domain/charge.js'

/**
 * Where the sandbox keeps its state. One process, in memory: the sandbox is for tests and demos, and
 * every change to one record happens inside one synchronous call, so no lock is needed.
 */
export interface Store {
  getCharge(id: string): Charge | undefined
  insertCharge(charge: Charge): void
  /** A merchant's charges, oldest first. */
  chargesOf(merchantId: string): readonly Charge[]
  deleteMerchant(merchantId: string): void
}

export class MemoryStore implements Store {
  readonly #charges = new Map<string, Charge>()
  readonly #byMerchant = new Map<string, Charge[]>()

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

  deleteMerchant(merchantId: string): void {
    for (const c of this.#byMerchant.get(merchantId) ?? []) this.#charges.delete(c.id)
    this.#byMerchant.delete(merchantId)
  }
}
