import type { Agreement } from '../domain/agreement.js'
import type { Charge } from '../domain/charge.js'
import type { Session } from '../domain/sessions.js'

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
  getSession(id: string): Session | undefined
  insertSession(session: Session): void
  /** Forgets a merchant's charges, agreements and payment sessions. */
  deleteMerchant(merchantId: string): void
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
}

export class MemoryStore implements Store {
  readonly #charges = new MerchantIndex<Charge>()
  readonly #agreements = new MerchantIndex<Agreement>()
  readonly #sessions = new MerchantIndex<Session>()
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

  getSession(id: string): Session | undefined {
    return this.#sessions.get(id)
  }

  insertSession(session: Session): void {
    this.#sessions.insert(session)
  }

  deleteMerchant(merchantId: string): void {
    this.#charges.deleteMerchant(merchantId)
    this.#agreements.deleteMerchant(merchantId)
    this.#sessions.deleteMerchant(merchantId)
  }
}
