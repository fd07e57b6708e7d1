import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { loadConfigFiles } from './config-files.js'
import { phoneBanner } from './demo/terminal-qr.js'

/**
 * Reads the environment and the files it names, listens, and closes gracefully on SIGTERM/SIGINT
 * (container stops). A bad setting or file ends the start with one line and exit status 2.
 */
async function main(): Promise<void> {
  const config = loadConfig()
  const files = await loadConfigFiles(config)
  const app = await buildApp({ config, ...files })
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
  if (err instanceof ConfigError) {
    // One line: a multi-line message (several bad variables) is joined.
    console.error(`ppro-kakaopay-sandbox: ${err.message.replace(/\n\s*/g, ' ')}`)
    process.exit(2)
  }
  console.error(err)
  process.exit(1)
})
