import { randomBytes } from 'node:crypto'
import type { SharedShop } from '../demo/demo-routes.js'

/** How long a replica may hold the demo shop before another may take it (a replica that died holding it). */
const LEASE_MS = 15_000
/** How long a request waits for the shop before it is answered 503. */
const WAIT_MS = 12_000

export class ShopBusyError extends Error {
  readonly statusCode = 503
  constructor() {
    super('the demo shop is busy on another replica; try again')
  }
}

/** Frees the lock only for its holder: ARGV prefix, token. */
export const SHOP_UNLOCK = `
if redis.call('GET', ARGV[1] .. 'demo:lock') == ARGV[2] then redis.call('DEL', ARGV[1] .. 'demo:lock') end
return 1
`

/** What the demo shop needs of its replica's Redis connection (keys relative to the prefix). */
export interface ShopBackend {
  setNx(key: string, value: string, ms: number): Promise<boolean>
  get(key: string): Promise<string | undefined>
  set(key: string, value: string): Promise<void>
  run(src: string, args: string[]): Promise<unknown>
}

/**
 * The demo shop on replicas: its state (orders, the presenter's log) is one JSON value in Redis
 * (`demo:state`), worked on by one request at a time over all replicas (`demo:lock`, with a lease), so
 * the shopper's pages, the presenter's screen and the webhooks may each land on any replica. A demo's
 * traffic is a person's clicks and a few webhooks: one at a time costs nothing there.
 */
export function sharedShop(b: ShopBackend): SharedShop {
  return {
    async lock() {
      const token = randomBytes(8).toString('hex')
      const end = Date.now() + WAIT_MS
      while (!(await b.setNx('demo:lock', token, LEASE_MS))) {
        if (Date.now() > end) throw new ShopBusyError()
        await new Promise((r) => setTimeout(r, 10))
      }
      return async () => void (await b.run(SHOP_UNLOCK, [token]))
    },
    load: () => b.get('demo:state'),
    save: (state) => b.set('demo:state', state),
  }
}
