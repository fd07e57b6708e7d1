import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { DataDirLockedError } from './store/data-lock.js'
import { JournalCorruptError } from './store/journal-reader.js'

/** Reads the environment, listens, and closes gracefully on SIGTERM/SIGINT (container stops). */
async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`ppro-kakaopay-sandbox: ${err.message}`)
      process.exit(2)
    }
    throw err
  }
  let app
  try {
    app = await buildApp({ config })
  } catch (err) {
    // A DATA_DIR that cannot be used (another process holds it, a corrupt journal): one line, exit 2.
    if (err instanceof DataDirLockedError || err instanceof JournalCorruptError) {
      console.error(`ppro-kakaopay-sandbox: cannot start from DATA_DIR: ${err.message}`)
      process.exit(2)
    }
    throw err
  }
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
  await app.listen({ port: config.port, host: config.host })
  app.log.info(`KakaoPay sandbox ready: ${config.publicBaseUrl} (approval pages under ${config.publicBaseUrl}/checkout/)`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
