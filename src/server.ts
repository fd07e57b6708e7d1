import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { phoneBanner } from './demo/terminal-qr.js'

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
  const app = await buildApp({ config })
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
  // A presenter's terminal (not a container's log): the demo shop's QR code, and whether a phone can reach it.
  if (process.stdout.isTTY) process.stdout.write(await phoneBanner(`${config.publicBaseUrl}/demo`, config.publicBaseUrl))
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
