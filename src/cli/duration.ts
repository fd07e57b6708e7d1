import { UsageError } from './errors.js'

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 }

/** `90`, `90s`, `15m`, `2h`, `1d`, `1500ms`, or several (`1h30m`) as seconds. */
export function parseDuration(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text)
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy
  let total = 0
  let end = 0
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]!]!
    end = re.lastIndex
  }
  if (end === 0 || end !== text.length)
    throw new UsageError(`${JSON.stringify(text)} is not a duration: write 90, 90s, 15m, 2h, 1d or 1h30m`)
  return total
}
