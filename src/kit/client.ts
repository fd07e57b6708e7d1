import type {
  AgreementCharge,
  AgreementChargeRequest,
  AgreementRevocation,
  CreateAgreementRequest,
  CreateChargeRequest,
  PaymentAgreement,
  PaymentCharge,
  PaymentChargePage,
  PproErrorBody,
  Refund,
  RefundRequest,
  SearchChargesQuery,
} from './types.js'

/** An HTTP error answer of the sandbox: PPRO's error body, with the request it answered. */
export class PproError extends Error {
  override name = 'PproError'
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly request: { method: string; path: string },
  ) {
    const reason = (body as Partial<PproErrorBody> | undefined)?.failureMessage ?? (body as { message?: string })?.message
    super(`${request.method} ${request.path} answered ${status}${reason ? `: ${reason}` : ''}`)
  }
}

export interface Credentials {
  url: string
  apiKey: string
  merchantId: string
}

export interface RequestOptions {
  /** Sent as `Request-Idempotency-Key`: a repeat with the same key answers the first result. */
  idempotencyKey?: string
  /** Sent as `Request-Reference`: the request id of the sandbox's log lines. */
  requestReference?: string
}

/** Sends one request with the merchant's credentials; answers the parsed JSON body or throws a PproError. */
export async function request<T>(
  creds: Credentials,
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${creds.apiKey}`, 'merchant-id': creds.merchantId }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (options.idempotencyKey) headers['request-idempotency-key'] = options.idempotencyKey
  if (options.requestReference) headers['request-reference'] = options.requestReference
  const res = await fetch(`${creds.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  let parsed: unknown = undefined
  if (text) {
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = text
    }
  }
  if (!res.ok) throw new PproError(res.status, parsed, { method, path })
  return parsed as T
}

const seg = (id: string) => encodeURIComponent(id)

/** PPRO's API for KakaoPay, typed: the calls a merchant's backend makes. */
export class PproClient {
  constructor(private readonly creds: Credentials) {}

  createCharge(body: CreateChargeRequest, options?: RequestOptions): Promise<PaymentCharge> {
    return request(this.creds, 'POST', '/v1/payment-charges', body, options)
  }

  getCharge(id: string): Promise<PaymentCharge> {
    return request(this.creds, 'GET', `/v1/payment-charges/${seg(id)}`)
  }

  /** By `merchantPaymentChargeReference` or `agreementId`, newest first, 20 a page (`page: nextPage`). */
  searchCharges(query: SearchChargesQuery = {}): Promise<PaymentChargePage> {
    const qs = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string'))
    const suffix = qs.size > 0 ? `?${qs}` : ''
    return request(this.creds, 'GET', `/v1/payment-charges${suffix}`)
  }

  refund(chargeId: string, body: RefundRequest, options?: RequestOptions): Promise<Refund> {
    return request(this.creds, 'POST', `/v1/payment-charges/${seg(chargeId)}/refunds`, body, options)
  }

  createAgreement(body: CreateAgreementRequest, options?: RequestOptions): Promise<PaymentAgreement> {
    return request(this.creds, 'POST', '/v1/payment-agreements', body, options)
  }

  getAgreement(id: string): Promise<PaymentAgreement> {
    return request(this.creds, 'GET', `/v1/payment-agreements/${seg(id)}`)
  }

  /** A merchant-initiated charge on an active agreement (a renewal). */
  chargeAgreement(agreementId: string, body: AgreementChargeRequest, options?: RequestOptions): Promise<AgreementCharge> {
    return request(this.creds, 'POST', `/v1/payment-agreements/${seg(agreementId)}/payment-charges`, body, options)
  }

  /** The merchant cancels the agreement (`REVOKED_BY_MERCHANT`). */
  revokeAgreement(agreementId: string, options?: RequestOptions): Promise<AgreementRevocation> {
    return request(this.creds, 'POST', `/v1/payment-agreements/${seg(agreementId)}/revocations`, {}, options)
  }
}
