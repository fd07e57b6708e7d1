import type { Charge } from './charge.js'
import { refuse } from './errors.js'
import type { Store } from './store.js'

export interface ChargeSearch {
  merchantPaymentChargeReference?: string | undefined
  agreementId?: string | undefined
  page?: string | undefined
}

export interface ChargePage {
  data: Charge[]
  nextPage?: string
}

export const PAGE_SIZE = 20

/**
 * `GET /v1/payment-charges`: newest first, PAGE_SIZE a page. A search by reference or agreement reads
 * the store's index of exactly those charges, so no request scans a merchant's charges.
 *
 * The cursor is a keyset: the position of the last charge of the page in the list searched, and its
 * id. Lists only ever grow at the new end, so charges created between two page reads never shift a
 * page: they appear on no later page (they are newer than the first), and none is repeated or skipped.
 */
export function searchCharges(store: Store, merchantId: string, q: ChargeSearch): ChargePage {
  const ref = q.merchantPaymentChargeReference
  const list =
    ref !== undefined
      ? store.chargesByReference(merchantId, ref)
      : q.agreementId !== undefined
        ? store.chargesOfAgreement(merchantId, q.agreementId)
        : store.chargesOf(merchantId)
  // Both filters: the reference's few charges, narrowed to the agreement's.
  const agreementId = ref !== undefined ? q.agreementId : undefined
  let i = list.length - 1
  if (q.page !== undefined) {
    const cursor = decodePage(q.page)
    if (cursor === undefined || list[cursor.index]?.id !== cursor.id) throw refuse('badPageToken', q.page)
    i = cursor.index - 1
  }
  const data: Charge[] = []
  let lastIndex = -1
  for (; i >= 0; i--) {
    const c = list[i]!
    if (agreementId !== undefined && c.agreementId !== agreementId) continue
    if (data.length === PAGE_SIZE) return { data, nextPage: encodePage(lastIndex, data[PAGE_SIZE - 1]!.id) }
    data.push(c)
    lastIndex = i
  }
  return { data }
}

function encodePage(index: number, id: string): string {
  return Buffer.from(`k:${index}:${id}`).toString('base64url')
}

export function decodePage(page: string): { index: number; id: string } | undefined {
  const m = /^k:(\d{1,9}):([A-Za-z0-9_]{1,64})$/.exec(Buffer.from(page, 'base64url').toString())
  return m ? { index: Number(m[1]), id: m[2]! } : undefined
}
