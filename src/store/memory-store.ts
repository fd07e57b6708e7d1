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
  /** Forgets some of a merchant's charges and agreements (retention). */
  forget(merchantId: string, chargeIds: ReadonlySet<string>, agreementIds: ReadonlySet<string>): void
  /** The merchants with charges or agreements. */
  merchants(): Iterable<string>
}

/** Records by id, and each merchant's in the order they were added. */
class MerchantIndex<T extends { id: string; merchantId: string }> {
  readonly #byId = new Map<string, T>()
  readonly #byMerchant = new Map<string, T[]>()

  get(id: string): T | undefined {
    return this.#byId.get(id)
  }

  insert(record: T): void {
    this.#byId.set(record.id, record)
    const list = this.#byMerchant.get(record.merchantId)
    if (list) list.push(record)
    else this.#byMerchant.set(record.merchantId, [record])
  }

  of(merchantId: string): readonly T[] {
    return this.#byMerchant.get(merchantId) ?? []
  }

  deleteMerchant(merchantId: string): void {
    for (const r of this.of(merchantId)) this.#byId.delete(r.id)
    this.#byMerchant.delete(merchantId)
  }

  forget(merchantId: string, ids: ReadonlySet<string>): void {
    const list = this.#byMerchant.get(merchantId)
    if (!list || ids.size === 0) return
    for (const id of ids) this.#byId.delete(id)
    this.#byMerchant.set(
      merchantId,
      list.filter((r) => !ids.has(r.id)),
    )
  }

  merchants(): IterableIterator<string> {
    return this.#byMerchant.keys()
  }
}

export class MemoryStore implements Store {
  readonly #charges = new MerchantIndex<Charge>()
  readonly #agreements = new MerchantIndex<Agreement>()
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
    this.#charges.insert(charge)
  }

  chargesOf(merchantId: string): readonly Charge[] {
    return this.#charges.of(merchantId)
  }

  getAgreement(id: string): Agreement | undefined {
    return this.#agreements.get(id)
  }

  insertAgreement(agreement: Agreement): void {
    this.#agreements.insert(agreement)
  }

  agreementsOf(merchantId: string): readonly Agreement[] {
    return this.#agreements.of(merchantId)
  }

  deleteMerchant(merchantId: string): void {
    this.#charges.deleteMerchant(merchantId)
    this.#agreements.deleteMerchant(merchantId)
  }

  forget(merchantId: string, chargeIds: ReadonlySet<string>, agreementIds: ReadonlySet<string>): void {
    this.#charges.forget(merchantId, chargeIds)
    this.#agreements.forget(merchantId, agreementIds)
  }

  *merchants(): IterableIterator<string> {
    const seen = new Set<string>()
    for (const index of [this.#charges, this.#agreements])
      for (const m of index.merchants())
        if (!seen.has(m)) {
          seen.add(m)
          yield m
        }
  }
}
