import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdirSync, readFileSync } from 'node:fs'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CHARGE_STATUSES } from '../domain/charge.js'
import { PROVIDER_DECLINE_CODES } from '../domain/failures.js'
import { AGREEMENT_STATUSES, DELIVERY_STATES } from '../http/routes/sandbox-dashboard.js'

/**
 * The dashboard's files (HTML, CSS, JavaScript modules, icon), shipped beside `fixtures/`: two folders
 * up from the compiled module or the bundle (dist/dashboard/, dist/bundle/), one from a bundle placed
 * directly under the package (read once, at start-up).
 */
export const DEFAULT_DASHBOARD_DIR =
  [new URL('../../dashboard/', import.meta.url), new URL('../dashboard/', import.meta.url)].find((u) =>
    existsSync(new URL('index.html', u)),
  ) ?? new URL('../../dashboard/', import.meta.url)

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

/**
 * Everything the page loads comes from the sandbox itself: scripts and styles from files only (no inline
 * script, no inline handler, no `eval`), data from the sandbox's own API, nothing from anywhere else.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

const HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-cache',
}

const CONFIG_MARKER = /<script type="application\/json" id="sandbox-config">\s*\{\}\s*<\/script>/

/**
 * What the page needs to know of this sandbox, as a JSON data block in the HTML (data, never run: the
 * CSP allows no inline script): whether a key is asked for, and the names it offers in its pickers.
 */
function configBlock(apiKeysRequired: boolean): string {
  const config = {
    apiKeysRequired,
    chargeStatuses: CHARGE_STATUSES,
    agreementStatuses: AGREEMENT_STATUSES,
    declineCodes: PROVIDER_DECLINE_CODES,
    deliveryStates: DELIVERY_STATES,
  }
  return `<script type="application/json" id="sandbox-config">${JSON.stringify(config).replace(/</g, '\\u003c')}</script>`
}

interface Asset {
  body: Buffer
  type: string
  etag: string
}

export interface DashboardOptions {
  /** With API_KEYS set the page asks for a key; without, any merchant id can be opened. */
  apiKeysRequired: boolean
  dir?: URL | string
}

/**
 * `GET /dashboard`: a single page of plain JavaScript modules that is a client of the sandbox's API
 * like any other (it sends `Authorization` and `Merchant-Id` on every call). Its files are read once,
 * when the app is built; these routes sit outside `/v1` and `/sandbox` and add nothing to the API's hooks.
 */
export async function dashboardRoutes(app: FastifyInstance, options: DashboardOptions) {
  const dir = options.dir ?? DEFAULT_DASHBOARD_DIR
  const path = (name: string) => (typeof dir === 'string' ? `${dir.replace(/\/$/, '')}/${name}` : new URL(name, dir))
  const assets = new Map<string, Asset>()
  // Read synchronously: twenty small files once at start, where a promise each left the start waiting.
  for (const name of readdirSync(dir).sort()) {
    const type = TYPES[name.slice(name.lastIndexOf('.'))]
    if (!type) continue
    let body = readFileSync(path(name))
    if (name === 'index.html') {
      const html = body.toString('utf8')
      if (!CONFIG_MARKER.test(html)) throw new Error('dashboard: index.html has no sandbox-config block')
      body = Buffer.from(html.replace(CONFIG_MARKER, () => configBlock(options.apiKeysRequired)))
    }
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` })
  }
  const index = assets.get('index.html')
  if (!index) throw new Error(`dashboard: no index.html in ${String(dir)}`)

  const send = (req: FastifyRequest, reply: FastifyReply, asset: Asset) => {
    reply.headers(HEADERS).header('etag', asset.etag).type(asset.type)
    if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send()
    return reply.send(asset.body)
  }

  app.get('/dashboard', async (req, reply) => send(req, reply, index))
  app.get('/dashboard/', async (req, reply) => send(req, reply, index))
  app.get<{ Params: { name: string } }>('/dashboard/assets/:name', async (req, reply) => {
    const asset = req.params.name === 'index.html' ? undefined : assets.get(req.params.name)
    if (!asset) return reply.code(404).headers(HEADERS).type('text/plain; charset=utf-8').send('Not found')
    return send(req, reply, asset)
  })
}
