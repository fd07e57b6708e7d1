import type { Agreement } from '../domain/agreement.js'
import type { Charge } from '../domain/charge.js'
import type { Session } from '../domain/sessions.js'
import type { Store } from '../domain/store.js'

const NONE: readonly never[] = Object.freeze([])

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
    return this.#byMerchant.get(merchantId) ?? NONE
  }

  deleteMerchant(merchantId: string): void {
    for (const r of this.of(merchantId)) this.#byId.delete(r.id)
    this.#byMerchant.delete(merchantId)
  }

  /** Forgets some of a merchant's records, keeping the others in their order. */
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

/**
 * Per merchant, the records that share a value of one field, oldest first: a search by it reads no others.
 * Most values (a merchant's order reference) name one record: that record is kept as it is, and a list
 * only once a second shares the value (a one-record list would cost two objects more per record).
 */
class FieldIndex<T extends { merchantId: string }> {
  readonly #byMerchant = new Map<string, Map<string, T | T[]>>()

  add(record: T, value: string | undefined): void {
    if (value === undefined) return
    let byValue = this.#byMerchant.get(record.merchantId)
    if (!byValue) this.#byMerchant.set(record.merchantId, (byValue = new Map()))
    const known = byValue.get(value)
    if (known === undefined) byValue.set(value, record)
    else if (Array.isArray(known)) known.push(record)
    else byValue.set(value, [known, record])
  }

  get(merchantId: string, value: string): readonly T[] {
    const known = this.#byMerchant.get(merchantId)?.get(value)
    if (known === undefined) return NONE
    return Array.isArray(known) ? known : [known]
  }

  deleteMerchant(merchantId: string): void {
    this.#byMerchant.delete(merchantId)
  }

  forget(merchantId: string, ids: ReadonlySet<string>): void {
    const byValue = this.#byMerchant.get(merchantId)
    if (!byValue) return
    const dropped = (r: T) => ids.has((r as { id?: string }).id ?? '')
    for (const [value, known] of byValue) {
      const kept = Array.isArray(known) ? known.filter((r) => !dropped(r)) : dropped(known) ? [] : [known]
      if (kept.length === 0) byValue.delete(value)
      else if (kept.length === 1) byValue.set(value, kept[0]!)
      else if (kept.length !== (known as T[]).length) byValue.set(value, kept)
    }
  }
}

export class MemoryStore implements Store {
  readonly #charges = new MerchantIndex<Charge>()
  readonly #chargesByReference = new FieldIndex<Charge>()
  readonly #chargesByAgreement = new FieldIndex<Charge>()
  readonly #agreements = new MerchantIndex<Agreement>()
  readonly #sessions = new MerchantIndex<Session>()

  getCharge(id: string): Charge | undefined {
    return this.#charges.get(id)
  }

  insertCharge(charge: Charge): void {
    this.#charges.insert(charge)
    // Both fields are set at creation and never change, so the indexes never need updating.
    this.#chargesByReference.add(charge, charge.merchantPaymentChargeReference)
    this.#chargesByAgreement.add(charge, charge.agreementId)
  }

  chargesOf(merchantId: string): readonly Charge[] {
    return this.#charges.of(merchantId)
  }

  chargesByReference(merchantId: string, reference: string): readonly Charge[] {
    return this.#chargesByReference.get(merchantId, reference)
  }

  chargesOfAgreement(merchantId: string, agreementId: string): readonly Charge[] {
    return this.#chargesByAgreement.get(merchantId, agreementId)
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
    this.#sessions.deleteMerchant(merchantId)
    this.#charges.deleteMerchant(merchantId)
    this.#chargesByReference.deleteMerchant(merchantId)
    this.#chargesByAgreement.deleteMerchant(merchantId)
    this.#agreements.deleteMerchant(merchantId)
  }

  forget(merchantId: string, chargeIds: ReadonlySet<string>, agreementIds: ReadonlySet<string>): void {
    if (chargeIds.size > 0) {
      this.#charges.forget(merchantId, chargeIds)
      this.#chargesByReference.forget(merchantId, chargeIds)
      this.#chargesByAgreement.forget(merchantId, chargeIds)
    }
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
