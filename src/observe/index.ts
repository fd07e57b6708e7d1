import type { FastifyInstance } from 'fastify'
import type { Sandbox } from '../sandbox.js'
import { Feed } from './feed.js'
import { decorateRequests, installIntents, installJournal, type JournalHooks, journalHooks, unroutedHooks } from './journal.js'
import { RECORDED_MESSAGES, Recorder, type RecorderDeps } from './recorder.js'
import { observeRoutes } from './routes.js'
import { streamRoutes } from './stream.js'

export { Feed } from './feed.js'
export type { FeedListener, SubscribeOptions } from './feed.js'
export type * from './messages.js'
export type { Reason, ReasonCode } from './reasons.js'
export { keepRawBody } from './journal.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The event feed: `app.feed.subscribe(merchantId, listener, { since })` follows a merchant's messages in process. */
    feed: Feed
  }
}

/** How much the feed keeps and how it streams (config.ts reads them from the environment). */
export interface FeedConfig {
  /** Messages kept per merchant (a ring: the oldest go first). */
  retain: number
  /** `false`: API requests are not recorded (no journal, no request messages); the rest is. */
  journal: boolean
  /** Request and response bodies in the journal are cut after this many bytes. */
  bodyLimitBytes: number
  /** A stream reader more than this many bytes behind is dropped. */
  streamBufferBytes: number
  heartbeatMs: number
}

/**
 * The sandbox's observability: the feed, what records into it, and its routes. Built before the
 * sandbox (whose observer it is), attached once the sandbox exists.
 */
export class Observability {
  readonly feed: Feed
  readonly recorder: Recorder
  #journal: JournalHooks | undefined

  constructor(
    readonly config: FeedConfig,
    deps: Omit<RecorderDeps, 'feed'>,
  ) {
    this.feed = new Feed({ retain: config.retain, compactor: RECORDED_MESSAGES }, (err) =>
      deps.logger.info({ err }, 'a feed listener threw; the feed went on'),
    )
    this.recorder = new Recorder({ ...deps, feed: this.feed })
  }

  attach(app: FastifyInstance, sandbox: Sandbox): void {
    this.recorder.attach(sandbox)
    app.decorate('feed', this.feed)
    if (this.config.journal) this.#journal = journalHooks(this.recorder, sandbox, { bodyLimitBytes: this.config.bodyLimitBytes })
  }

  /**
   * The options of the app's not-found handler: a `404` or `405` under `prefixes` is journaled for the
   * merchant its valid credentials name (see journal.ts).
   */
  unrouted(apiKeys: readonly string[], prefixes: readonly string[]) {
    return unroutedHooks(this.#journal, apiKeys, prefixes)
  }

  /** Inside the API's scope (after its credentials hook): the journal's hooks and the journal and timeline routes. */
  async api(api: FastifyInstance): Promise<void> {
    const { sandbox } = api
    decorateRequests(api)
    installIntents(api, this.recorder)
    if (this.#journal) installJournal(api, this.#journal)
    await api.register(observeRoutes, { sandbox, feed: this.feed })
  }

  /** Outside the API's scope: the stream takes its credentials from the query too. */
  async stream(app: FastifyInstance, apiKeys: readonly string[]): Promise<void> {
    await app.register(streamRoutes, {
      feed: this.feed,
      apiKeys,
      bufferBytes: this.config.streamBufferBytes,
      heartbeatMs: this.config.heartbeatMs,
      logger: app.log.child({ component: 'feed' }),
    })
  }
}
