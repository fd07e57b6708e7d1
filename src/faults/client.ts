import type { FaultRule, FaultRuleInput } from './rules.js'

export interface FaultsClientOptions {
  /** The sandbox's base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string
  /** Any key the sandbox accepts (`Authorization: Bearer <apiKey>`). */
  apiKey: string
  merchantId: string
  fetch?: typeof fetch
}

export interface FaultsClient {
  /** Adds a rule; rejects with the sandbox's message when the rule is not valid. */
  add(rule: FaultRuleInput): Promise<FaultRule>
  /** The merchant's rules, oldest first, with how often each matched and fired. */
  list(): Promise<FaultRule[]>
  /** Removes one rule and answers it. */
  remove(id: string): Promise<FaultRule>
  /** Removes every rule of the merchant; answers how many there were. */
  clear(): Promise<number>
}

/** `/sandbox/faults` over HTTP, for the developer kit, scripts and a merchant's own test helpers. */
export function faultsClient(options: FaultsClientOptions): FaultsClient {
  const doFetch = options.fetch ?? fetch
  const base = options.baseUrl.replace(/\/$/, '')
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}`, 'merchant-id': options.merchantId }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await doFetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const json = (await res.json()) as T & { failureMessage?: string }
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${json.failureMessage ?? JSON.stringify(json)}`)
    return json
  }
  return {
    add: (rule) => call<FaultRule>('POST', '/sandbox/faults', rule),
    list: async () => (await call<{ data: FaultRule[] }>('GET', '/sandbox/faults')).data,
    remove: (id) => call<FaultRule>('DELETE', `/sandbox/faults/${encodeURIComponent(id)}`),
    clear: async () => (await call<{ deleted: number }>('DELETE', '/sandbox/faults')).deleted,
  }
}
