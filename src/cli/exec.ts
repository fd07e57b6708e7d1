import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { loadConfig } from '../config.js'
import { launch } from '../kit/start.js'
import { type Command, DEFAULT_MERCHANT } from './command.js'
import { configHelp, configOptions, envWithFlags } from './config-flags.js'
import { CommandError, UsageError } from './errors.js'

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
/** How long a command has to stop after the signal is passed on, before it is killed. */
const KILL_AFTER_MS = 5000

export const exec: Command = {
  name: 'exec',
  usage: 'exec [flags] -- <command> [args...]',
  summary: 'start a sandbox on a free port, run a command against it, stop it, exit with its code',
  details: [
    'The command gets PPRO_BASE_URL, PPRO_API_KEY, PPRO_MERCHANT_ID and PPRO_WEBHOOK_SECRET.',
    'The sandbox listens on 127.0.0.1, on a port the system picks, and logs only errors, unless flags say otherwise.',
    `  --merchant <id>     the PPRO_MERCHANT_ID given to the command [default ${DEFAULT_MERCHANT}]`,
    configHelp(),
  ].join('\n'),
  options: { ...configOptions(), merchant: { type: 'string' } },
  async run({ values, env, rest }) {
    if (rest.length === 0) throw new UsageError('exec needs a command after --, as in: ppro-kakaopay-sandbox exec -- npm test')
    const flagged = envWithFlags(values, env)
    if (typeof values.port !== 'string') flagged.PORT = '0'
    if (typeof values.host !== 'string') flagged.HOST = '127.0.0.1'
    if (typeof values['log-level'] !== 'string') flagged.LOG_LEVEL = 'error'
    const config = loadConfig(flagged)
    const sb = await launch(config, {
      merchantId: typeof values.merchant === 'string' ? values.merchant : DEFAULT_MERCHANT,
      publicBaseUrl: typeof values['public-base-url'] === 'string' ? config.publicBaseUrl : undefined,
    })
    try {
      return await runChild(rest, {
        ...env,
        PPRO_BASE_URL: sb.url,
        PPRO_API_KEY: sb.apiKey,
        PPRO_MERCHANT_ID: sb.merchantId,
        PPRO_WEBHOOK_SECRET: sb.webhookSecret,
      })
    } finally {
      await sb.close()
    }
  },
}

/** Runs the command to its end, passing on the signals this process gets; its exit code, or 128 + the signal's number. */
function runChild(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env })
    let killer: NodeJS.Timeout | undefined
    const forward = (signal: NodeJS.Signals) => {
      child.kill(signal)
      killer ??= setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS)
    }
    for (const s of SIGNALS) process.on(s, forward)
    const done = () => {
      for (const s of SIGNALS) process.off(s, forward)
      clearTimeout(killer)
    }
    child.once('error', (err: NodeJS.ErrnoException) => {
      done()
      const why = err.code === 'ENOENT' ? 'no such command' : err.code === 'EACCES' ? 'permission denied' : err.message
      reject(Object.assign(new CommandError(`cannot run ${argv[0]}: ${why}`), { exitCode: err.code === 'ENOENT' ? 127 : 126 }))
    })
    child.once('exit', (code, signal) => {
      done()
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0))
    })
  })
}
