/**
 * What the sandbox writes its log through: pino's shape (Fastify's logger), narrowed to what is used,
 * so the webhooks and the composition root take any logger and tests can pass a silent one.
 */
export interface Logger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}
