import { loadConfig } from '../config.js'
import { phoneBanner, printPaymentQrs } from '../demo/terminal-qr.js'
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
  usage: 'start [--port <n>] [--webhook-url <url>] [--qr | --no-qr] [...]',
  summary: 'run the sandbox until stopped (the default command)',
  details: [
    'On a terminal (or with --qr), it prints the QR code of the demo shop at start, then the phone-approval',
    'QR code of each charge or agreement created (at most one every 3 s, the newest), and warns when',
    'PUBLIC_BASE_URL is a loopback address a phone cannot reach. --no-qr prints none.',
    '',
    `Each flag below sets the environment variable in brackets, which works as well:\n${configHelp()}`,
  ].join('\n'),
  options: { ...configOptions(), qr: { type: 'boolean' }, 'no-qr': { type: 'boolean' } },
  async run({ values, env, io }) {
    const flagged = envWithFlags(values, env)
    const config = loadConfig(flagged)
    // Port 0 asks the system for a free port; the public URL is then the address it gave.
    const sb = await launch(config, { publicBaseUrl: flagged.PUBLIC_BASE_URL || config.port !== 0 ? config.publicBaseUrl : undefined })
    const url = sb.app.server.address()
    const publicUrl = flagged.PUBLIC_BASE_URL || config.port !== 0 ? config.publicBaseUrl : sb.url
    sb.app.log.info({ address: url }, `KakaoPay sandbox ready: ${publicUrl} (approval pages under ${publicUrl}/checkout/)`)
    if (io.isTTY) io.err(`KakaoPay sandbox ready on ${publicUrl}; Ctrl-C stops it`)
    // A presenter's terminal: the demo shop's QR code, then each new payment's, for a phone to scan.
    const qr = values['no-qr'] === true ? false : values.qr === true || io.isTTY
    let stopQrs = () => {}
    if (qr) {
      const base = sb.app.sandbox.publicBaseUrl
      io.out((await phoneBanner(`${base}/demo`, base)).trimEnd())
      stopQrs = printPaymentQrs(sb.app.feed, { publicBaseUrl: base, write: (text) => io.out(text.trimEnd()) })
    }
    const signal = await untilSignal()
    stopQrs()
    sb.app.log.info({ signal }, 'shutting down')
    await sb.close()
    return 0
  },
}
