import jsQRModule from 'jsqr'

type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null
const jsQR: Decode = (jsQRModule as unknown as { default?: Decode }).default ?? (jsQRModule as unknown as Decode)

const BLOCKS = /^[█▀▄ ]+$/

/**
 * The text of a QR code drawn in a terminal with half blocks (two rows of modules a character), read
 * from the first run of block-only lines in `text`; undefined when none decodes.
 */
export function decodeTerminalQr(text: string): string | undefined {
  const lines = text.split('\n')
  const start = lines.findIndex((l) => l.length > 8 && BLOCKS.test(l))
  if (start < 0) return undefined
  let end = start
  while (end < lines.length && lines[end]!.length > 0 && BLOCKS.test(lines[end]!)) end++
  const rows = lines.slice(start, end)
  const width = Math.max(...rows.map((r) => [...r].length))
  const scale = 6
  const w = width * scale
  const h = rows.length * 2 * scale
  const px = new Uint8ClampedArray(w * h * 4).fill(255)
  rows.forEach((row, y) =>
    [...row].forEach((ch, x) => {
      const halves = [ch === '█' || ch === '▀', ch === '█' || ch === '▄']
      halves.forEach((on, half) => {
        if (!on) return
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) {
            const i = (((y * 2 + half) * scale + dy) * w + x * scale + dx) * 4
            px[i] = px[i + 1] = px[i + 2] = 0
          }
      })
    }),
  )
  return jsQR(px, w, h)?.data
}
