import { loadConfig } from '../config.js'
import { launch } from '../kit/start.js'
import type { Command } from './command.js'
import { configHelp, configOptions, envWithFlags } from './config-flags.js'

/** Resolves on the first SIGINT or SIGTERM (a container stop, or Ctrl-C). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
      resolve(signal)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}

export const start: Command = {
  name: 'start',
  usage: 'start [--port <n>] [--webhook-url <url>] [...]',
  summary: 'run the sandbox until stopped (the default command)',
  details: `Each flag sets the environment variable in brackets, which works as well:\n${configHelp()}`,
  options: configOptions(),
  async run({ values, env, io }) {
    const flagged = envWithFlags(values, env)
    const config = loadConfig(flagged)
    // Port 0 asks the system for a free port; the public URL is then the address it gave.
    const sb = await launch(config, { publicBaseUrl: flagged.PUBLIC_BASE_URL || config.port !== 0 ? config.publicBaseUrl : undefined })
    const url = sb.app.server.address()
    const publicUrl = flagged.PUBLIC_BASE_URL || config.port !== 0 ? config.publicBaseUrl : sb.url
    sb.app.log.info({ address: url }, `KakaoPay sandbox ready: ${publicUrl} (approval pages under ${publicUrl}/checkout/)`)
    if (io.isTTY) io.err(`KakaoPay sandbox ready on ${publicUrl}; Ctrl-C stops it`)
    const signal = await untilSignal()
    sb.app.log.info({ signal }, 'shutting down')
    await sb.close()
    return 0
  },
}
