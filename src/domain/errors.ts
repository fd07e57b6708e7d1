/**
 * An operation the sandbox refuses, with the HTTP status PPRO answers it with. The HTTP layer turns it
 * into PPRO's envelope `{status, failureMessage, timestamp}`; the domain only names status and message.
 */
export class SandboxError extends Error {
  override name = 'SandboxError'
  constructor(
    readonly status: 400 | 404 | 405 | 409 | 413 | 415 | 422 | 429,
    message: string,
  ) {
    super(message)
  }
}

export const notFound = (what: string, id: string) => new SandboxError(404, `${what} ${id} not found`)
export const badRequest = (message: string) => new SandboxError(400, message)
export const conflict = (message: string) => new SandboxError(409, message)
