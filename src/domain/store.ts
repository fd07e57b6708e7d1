import type { Agreement } from './agreement.js'
import type { Charge } from './charge.js'
import type { Session } from './sessions.js'

/**
 * Where the domain keeps its records: the port the services write through. The sandbox runs it in
 * memory (`store/memory-store.ts`); every change to one record happens inside one synchronous call,
 * so no lock is needed.
 */
export interface Store {
  getCharge(id: string): Charge | undefined
  insertCharge(charge: Charge): void
  /** A merchant's charges, oldest first. */
  chargesOf(merchantId: string): readonly Charge[]
  /** A merchant's charges with this `merchantPaymentChargeReference`, oldest first (an index, not a scan). */
  chargesByReference(merchantId: string, reference: string): readonly Charge[]
  /** A merchant's charges of this agreement, oldest first (an index, not a scan). */
  chargesOfAgreement(merchantId: string, agreementId: string): readonly Charge[]
  getAgreement(id: string): Agreement | undefined
  insertAgreement(agreement: Agreement): void
  agreementsOf(merchantId: string): readonly Agreement[]
  getSession(id: string): Session | undefined
  insertSession(session: Session): void
  /** Forgets a merchant's charges, agreements and payment sessions. */
  deleteMerchant(merchantId: string): void
}
