/** Where a command writes: text for people (coloured only on a terminal), JSON for pipes. */
export interface Output {
  out(line: string): void
  err(line: string): void
  json(value: unknown): void
  /** Colours text when the stream is a terminal and NO_COLOR is not set. */
  paint(colour: Colour, text: string): string
  readonly isTTY: boolean
}

export type Colour = 'green' | 'red' | 'yellow' | 'cyan' | 'dim' | 'bold'

const CODES: Record<Colour, [number, number]> = {
  green: [32, 39],
  red: [31, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
}

export function terminalOutput(
  stdout: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
  env: Record<string, string | undefined> = process.env,
): Output {
  const isTTY = Boolean(stdout.isTTY)
  const colour = (isTTY && env.NO_COLOR === undefined) || (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0')
  return {
    isTTY,
    out: (line) => void stdout.write(`${line}\n`),
    err: (line) => void stderr.write(`${line}\n`),
    json: (value) => void stdout.write(`${JSON.stringify(value)}\n`),
    paint: (c, text) => (colour ? `\x1b[${CODES[c][0]}m${text}\x1b[${CODES[c][1]}m` : text),
  }
}

/** The colour of a PPRO status: green when it went through, red when it failed, yellow while it waits. */
export function statusColour(status: string): Colour {
  if (/FAILED|DISCARDED|REVOKED|DECLINED/.test(status)) return 'red'
  if (/PENDING|PROCESSING|ASYNC|INITIALIZING/.test(status)) return 'yellow'
  return 'green'
}
