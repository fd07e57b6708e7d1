import type { ParseArgsConfig } from 'node:util'
import type { Output } from './output.js'
import { Remote } from './remote.js'

type Options = NonNullable<ParseArgsConfig['options']>

/** What every command gets: its parsed flags and positionals, the environment, where to write. */
export interface Context {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
  /** Arguments after `--` (the command of `exec`). */
  rest: string[]
  env: Record<string, string | undefined>
  io: Output
  /** The running sandbox of `--url`, as the merchant of `--merchant` with `--api-key`. */
  remote(): Remote
}

/**
 * One subcommand. New ones (say `faults`) are a file exporting a Command and one line in COMMANDS
 * (commands.ts); `--help` and the usage errors come from these fields.
 */
export interface Command {
  name: string
  /** `approve <id>`: how it is called, after the program name. */
  usage: string
  summary: string
  /** More lines for `<command> --help`. */
  details?: string
  options?: Options
  /** Whether it talks to a running sandbox (and so takes --url, --api-key, --merchant). */
  remote?: boolean
  /** Resolves to the exit code. */
  run(ctx: Context): Promise<number>
}

export const DEFAULT_URL = 'http://localhost:8080'
export const DEFAULT_API_KEY = 'sk_test_sandbox'
export const DEFAULT_MERCHANT = 'merch_local'

/** The flags of every command that talks to a running sandbox; each also read from the environment `exec` sets. */
export const REMOTE_OPTIONS: Options = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  merchant: { type: 'string' },
}

export const REMOTE_HELP = [
  `  --url <url>         the sandbox to talk to [PPRO_BASE_URL, default ${DEFAULT_URL}]`,
  `  --api-key <key>     the Bearer key [PPRO_API_KEY, default ${DEFAULT_API_KEY}]`,
  `  --merchant <id>     the Merchant-Id [PPRO_MERCHANT_ID, default ${DEFAULT_MERCHANT}]`,
].join('\n')

export function remoteOf(values: Context['values'], env: Context['env']): Remote {
  const pick = (flag: string, variable: string, fallback: string) =>
    typeof values[flag] === 'string' ? (values[flag] as string) : env[variable] || fallback
  return new Remote({
    url: pick('url', 'PPRO_BASE_URL', DEFAULT_URL).replace(/\/+$/, ''),
    apiKey: pick('api-key', 'PPRO_API_KEY', DEFAULT_API_KEY),
    merchantId: pick('merchant', 'PPRO_MERCHANT_ID', DEFAULT_MERCHANT),
  })
}
