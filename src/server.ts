import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { loadConfigFiles } from './config-files.js'
import { phoneBanner, printPaymentQrs } from './demo/terminal-qr.js'
import { DataDirLockedError } from './store/data-lock.js'
import { JournalCorruptError } from './store/journal-reader.js'
import { chooseLogFormat, prettyLogStream } from './log-format.js'

/**
 * Reads the environment and the files it names, listens, and closes gracefully on SIGTERM/SIGINT
 * (container stops). A bad setting or file ends the start with one line and exit status 2.
 */
async function main(): Promise<void> {
  const config = loadConfig()
  const files = await loadConfigFiles(config)
  const tty = process.stdout.isTTY === true
  const pretty = chooseLogFormat(config.logFormat, tty) === 'pretty'
  const logger = pretty
    ? { level: config.logLevel, stream: prettyLogStream(process.stdout, tty && process.stdout.hasColors()) }
    : { level: config.logLevel }
  const app = await buildApp({ config, ...files, logger })
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'error while closing')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
  const address = await app.listen({ port: config.port, host: config.host })
  // The bundle's loader (scripts/server-entry.mjs) says whether its V8 code cache served this start, and
  // writes one a moment after this when it had none.
  const loader = globalThis as Record<symbol, unknown>
  const codeCache = loader[Symbol.for('ppro-kakaopay-sandbox.code-cache')]
  const listening = loader[Symbol.for('ppro-kakaopay-sandbox.listening')]
  if (typeof listening === 'function') listening()
  const base = config.publicBaseUrl
  app.log.info(
    { address, publicBaseUrl: base, ...(typeof codeCache === 'string' ? { codeCache } : {}) },
    `KakaoPay sandbox ready at ${base} (listening on ${address}): PPRO's API under ${base}/v1, ` +
      `approval pages at ${base}/checkout/<id>. Stop it with Ctrl+C (SIGINT) or SIGTERM.`,
  )
  // A presenter's terminal (not a container's log): the demo shop's QR code, and whether a phone can
  // reach it; then the QR code of each payment created.
  if (process.stdout.isTTY) {
    process.stdout.write(await phoneBanner(`${config.publicBaseUrl}/demo`, config.publicBaseUrl))
    printPaymentQrs(app.feed, { publicBaseUrl: config.publicBaseUrl, write: (text) => process.stdout.write(text) })
  }
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    // One line: a multi-line message (several bad variables) is joined.
    console.error(`ppro-kakaopay-sandbox: ${err.message.replace(/\n\s*/g, ' ')}`)
    process.exit(2)
  }
  if (err instanceof DataDirLockedError || err instanceof JournalCorruptError) {
    // A DATA_DIR that cannot be used (another process holds it, a corrupt journal): one line, exit 2.
    console.error(`ppro-kakaopay-sandbox: cannot start from DATA_DIR: ${err.message}`)
    process.exit(2)
  }
  if (err instanceof Error && err.name === 'RedisUnreachableError') {
    // REDIS_URL names a Redis that does not answer: one line, exit 2, as for a bad setting.
    console.error(`ppro-kakaopay-sandbox: ${err.message}`)
    process.exit(2)
  }
  console.error(err)
  process.exit(1)
})
