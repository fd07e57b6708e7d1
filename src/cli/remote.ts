import { type Credentials, PproError, request } from '../kit/client.js'
import { CommandError } from './errors.js'

/** The running sandbox the command talks to, over HTTP with the merchant's credentials. */
export class Remote {
  constructor(readonly creds: Credentials) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await request<T>(this.creds, method, path, body)
    } catch (err) {
      throw explain(err, this.creds.url)
    }
  }
}

/** One line a person can act on, for any failure of a request to the sandbox. */
export function explain(err: unknown, url: string): Error {
  if (err instanceof PproError) return new CommandError(err.message)
  const cause = (err as { cause?: { code?: string } }).cause
  if (cause?.code === 'ECONNREFUSED')
    return new CommandError(
      `no sandbox answers at ${url} (connection refused): start one with \`ppro-kakaopay-sandbox start\`, or pass --url`,
    )
  if (cause?.code === 'ENOTFOUND') return new CommandError(`cannot resolve the host of ${url}: check --url`)
  return new CommandError(`request to ${url} failed: ${(cause as Error | undefined)?.message ?? (err as Error).message}`)
}
