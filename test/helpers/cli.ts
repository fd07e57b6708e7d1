import { spawn, type ChildProcess } from 'node:child_process'
import * as esbuild from 'esbuild'
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

const ROOT = new URL('../../', import.meta.url).pathname
let built: Promise<string> | undefined

/**
 * The CLI from the current sources, bundled by esbuild (dependencies left to node_modules) into
 * .tap/, one level under the root as dist/ is, so it finds fixtures/ as the compiled code does.
 * Compiling the TypeScript in every child would cost seconds per spawn.
 */
function cliBundle(): Promise<string> {
  built ??= esbuild
    .build({
      entryPoints: [`${ROOT}src/cli/bin.ts`],
      outfile: `${ROOT}.tap/bin.mjs`,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
    })
    .then(() => `${ROOT}.tap/bin.mjs`)
  return built
}

/** The command line as its own process (what `exec` and signals need). */
export async function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; done: Promise<CliResult & { signal: NodeJS.Signals | null }> }> {
  const child = spawn(process.execPath, [await cliBundle(), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr })),
  )
  return { child, done }
}
