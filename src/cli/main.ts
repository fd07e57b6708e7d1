import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { ConfigError } from '../config.js'
import { type Command, type Context, REMOTE_HELP, REMOTE_OPTIONS, remoteOf } from './command.js'
import { COMMANDS } from './commands.js'
import { UsageError } from './errors.js'
import { type Output, terminalOutput } from './output.js'

const PROGRAM = 'ppro-kakaopay-sandbox'

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2
  return [
    `${PROGRAM}: PPRO's KakaoPay API, simulated on your machine`,
    '',
    `Usage: ${PROGRAM} [command] [flags]       (no command: start)`,
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    `${PROGRAM} <command> --help tells more about one. Commands that talk to a running sandbox take:`,
    REMOTE_HELP,
  ].join('\n')
}

function commandHelp(c: Command): string {
  return [
    `Usage: ${PROGRAM} ${c.usage}`,
    '',
    c.summary,
    ...(c.details ? ['', c.details] : []),
    ...(c.remote ? ['', REMOTE_HELP] : []),
  ].join('\n')
}

/** The whole command line: parses, runs one command, and answers its exit code; every failure is one line on stderr. */
export async function main(
  argv: string[],
  io: Output = terminalOutput(),
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const dashes = argv.indexOf('--')
  const head = dashes < 0 ? argv : argv.slice(0, dashes)
  const rest = dashes < 0 ? [] : argv.slice(dashes + 1)
  if (head[0] === '--version' || head[0] === '-v') {
    io.out(version())
    return 0
  }
  if (head[0] === 'help' || ((head[0] === '--help' || head[0] === '-h') && head.length === 1)) {
    const c = COMMANDS.find((x) => x.name === head[1])
    io.out(c ? commandHelp(c) : generalHelp())
    return 0
  }
  const named = head[0] !== undefined && !head[0].startsWith('-')
  const command = named ? COMMANDS.find((c) => c.name === head[0]) : COMMANDS[0]!
  try {
    if (!command)
      throw new UsageError(`unknown command ${JSON.stringify(head[0])}; the commands are ${COMMANDS.map((c) => c.name).join(', ')}`)
    let parsed
    try {
      parsed = parseArgs({
        args: named ? head.slice(1) : head,
        options: { ...command.options, ...(command.remote ? REMOTE_OPTIONS : {}), help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      })
    } catch (err) {
      throw new UsageError(
        `${(err as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '')}; see ${PROGRAM} ${command.name} --help`,
      )
    }
    if (parsed.values.help) {
      io.out(commandHelp(command))
      return 0
    }
    if (rest.length > 0 && command.name !== 'exec') throw new UsageError(`${command.name} takes nothing after --`)
    const ctx: Context = {
      values: parsed.values as Context['values'],
      positionals: parsed.positionals,
      rest,
      env,
      io,
      remote: () => remoteOf(parsed.values as Context['values'], env),
    }
    return await command.run(ctx)
  } catch (err) {
    io.err(`${PROGRAM}: ${oneLine(err)}`)
    if (err instanceof UsageError) return 2
    return (err as { exitCode?: number }).exitCode ?? 1
  }
}

function oneLine(err: unknown): string {
  if (err instanceof ConfigError) return err.message.replace(/:\n\s*/, ': ').replace(/\n\s*/g, '; ')
  if (err instanceof Error) return err.message.replace(/\s*\n\s*/g, '; ')
  return String(err)
}
