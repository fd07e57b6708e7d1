import type { FastifyBaseLogger } from 'fastify'

type Bindings = Parameters<FastifyBaseLogger['child']>[0]
type ChildOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
type LogArgs = Parameters<FastifyBaseLogger['info']>
/** A logger that says which levels it keeps (pino's loggers do). */
type Leveled = FastifyBaseLogger & { isLevelEnabled(level: string): boolean }

/**
 * A request's logger (`request.log`), whose pino child is made the first time the request writes a line
 * at a level the log keeps. Fastify makes a child per request, about 2 us each (its bindings are
 * serialised at once); with `LOG_LEVEL` above `info` (`warn` under load, `silent` in a test suite),
 * most requests write no line at all and so never need one. A line that is written is the child's,
 * with the request's `reqId`, as before.
 */
class RequestLogger {
  readonly #parent: Leveled
  readonly #bindings: Bindings
  readonly #options: ChildOptions
  #child: Leveled | undefined

  constructor(parent: Leveled, bindings: Bindings, options: ChildOptions) {
    this.#parent = parent
    this.#bindings = bindings
    this.#options = options
  }

  /** The child, made now if it was not yet. */
  get #logger(): Leveled {
    return (this.#child ??= this.#parent.child(this.#bindings, this.#options) as Leveled)
  }

  /** Who says which levels are kept: the child once there is one (its level may have been set), else the parent. */
  get #levels(): Leveled {
    return this.#child ?? this.#parent
  }

  #write(level: Level, args: LogArgs): void {
    if (this.#levels.isLevelEnabled(level)) (this.#logger[level] as (...a: LogArgs) => void)(...args)
  }

  get level(): string {
    return this.#levels.level
  }
  set level(level: string) {
    this.#logger.level = level
  }
  isLevelEnabled(level: string): boolean {
    return this.#levels.isLevelEnabled(level)
  }
  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.#logger.child(bindings, options)
  }
  silent(): void {}
  fatal(...args: LogArgs): void {
    this.#write('fatal', args)
  }
  error(...args: LogArgs): void {
    this.#write('error', args)
  }
  warn(...args: LogArgs): void {
    this.#write('warn', args)
  }
  info(...args: LogArgs): void {
    this.#write('info', args)
  }
  debug(...args: LogArgs): void {
    this.#write('debug', args)
  }
  trace(...args: LogArgs): void {
    this.#write('trace', args)
  }
}

/**
 * Fastify's `childLoggerFactory`: a RequestLogger, or pino's child at once when the route sets a level
 * of its own or the logger given cannot say which levels it keeps.
 */
export function requestLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildOptions): FastifyBaseLogger {
  if (options.level !== undefined || typeof (logger as Partial<Leveled>).isLevelEnabled !== 'function')
    return logger.child(bindings, options)
  return new RequestLogger(logger as Leveled, bindings, options) as unknown as FastifyBaseLogger
}
