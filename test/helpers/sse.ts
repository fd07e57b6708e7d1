import { type ClientRequest, type IncomingMessage, request } from 'node:http'

export interface SseFrame {
  id?: string
  event?: string
  data?: string
  /** Comment lines (`: ping`). */
  comments: string[]
}

export interface SseClient {
  response: IncomingMessage
  frames: SseFrame[]
  /** Parsed `data:` of the frames that carry an `id:` (feed messages), in order. */
  messages(): Array<Record<string, any>>
  /** Resolves with the first frame (from the start) matching, or rejects after `ms`. */
  waitFor(match: (f: SseFrame) => boolean, ms?: number): Promise<SseFrame>
  /** Resolves once `n` feed messages have arrived, or rejects after `ms`. */
  waitForMessages(n: number, ms?: number): Promise<Array<Record<string, any>>>
  /** Resolves when the server ends the stream. */
  ended: Promise<void>
  pause(): void
  resume(): void
  close(): void
}

/** Reads a Server-Sent Events stream over a real socket; every wait is bounded. */
export function sse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      const frames: SseFrame[] = []
      const waiters: Array<() => void> = []
      let buffer = ''
      let endedResolve!: () => void
      const ended = new Promise<void>((r) => (endedResolve = r))
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        buffer += chunk
        let i: number
        while ((i = buffer.indexOf('\n\n')) !== -1) {
          const raw = buffer.slice(0, i)
          buffer = buffer.slice(i + 2)
          const frame: SseFrame = { comments: [] }
          for (const line of raw.split('\n')) {
            if (line.startsWith(':')) frame.comments.push(line.slice(1).trim())
            else {
              const c = line.indexOf(':')
              const field = line.slice(0, c)
              const value = line.slice(c + 1).replace(/^ /, '')
              if (field === 'id' || field === 'event' || field === 'data') frame[field] = value
            }
          }
          frames.push(frame)
        }
        for (const w of waiters.splice(0)) w()
      })
      response.on('end', () => {
        endedResolve()
        for (const w of waiters.splice(0)) w()
      })
      response.on('error', () => endedResolve())
      response.on('close', () => endedResolve())
      // Each frame is parsed once, as it is first asked for: a wait re-checks on every chunk that
      // arrives, and parsing every frame again each time made a long stream's wait quadratic.
      const parsed: Array<Record<string, any>> = []
      let seen = 0
      const messages = () => {
        for (; seen < frames.length; seen++) {
          const f = frames[seen]!
          if (f.id !== undefined) parsed.push(JSON.parse(f.data!) as Record<string, any>)
        }
        return parsed.slice()
      }
      const until = <T>(check: () => T | undefined, ms: number, what: string): Promise<T> =>
        new Promise((res, rej) => {
          const timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
          const test = () => {
            const v = check()
            if (v !== undefined) {
              clearTimeout(timer)
              res(v)
            } else waiters.push(test)
          }
          test()
        })
      resolve({
        response,
        frames,
        messages,
        waitFor: (match, ms = 5000) => until(() => frames.find(match), ms, 'a frame'),
        waitForMessages: (n, ms = 5000) =>
          until(
            () => {
              const m = messages()
              return m.length >= n ? m : undefined
            },
            ms,
            `${n} messages`,
          ),
        ended,
        pause: () => response.pause(),
        resume: () => response.resume(),
        close: () => req.destroy(),
      })
    })
    req.on('error', reject)
    req.end()
  })
}
