import { spawn, type ChildProcess } from 'node:child_process'
import { main } from '../../src/cli/main.js'
import { terminalOutput } from '../../src/cli/output.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the command line in this process, as a terminal (`tty`) or a pipe would see it. */
export async function cli(args: string[], { tty = false, env = {} as Record<string, string | undefined> } = {}): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const out = { isTTY: tty, write: (s: string) => ((stdout += s), true) } as unknown as NodeJS.WritableStream & { isTTY: boolean }
  const err = { write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WritableStream
  const code = await main(args, terminalOutput(out, err, env), env)
  return { code, stdout, stderr }
}

const BIN = new URL('../../src/cli/bin.ts', import.meta.url).pathname
/** The TypeScript loader this test runs under, so a child runs the CLI from its sources. */
const LOADER = process.execArgv.filter((a) => a.includes('@tapjs/typescript'))

/** The command line as its own process (what `exec` and signals need). */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; done: Promise<CliResult & { signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [...LOADER, BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr })),
  )
  return { child, done }
}
