import { spawn } from 'node:child_process'
import { cp, mkdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'

/**
 * Runs a Dockerfile's own instructions without a Docker engine (none runs on our machines): each
 * stage gets a folder standing for its filesystem root, COPY copies from the build context or an
 * earlier stage, RUN runs in the WORKDIR with the ENV so far. What a real build would do, minus
 * the base image: the machine's Node stands in for it.
 */
export interface Stage {
  name: string
  image: string
  root: string
  workdir: string
  env: Record<string, string>
  user?: string
  expose: string[]
  volumes: string[]
  /** Owners set by `RUN mkdir -p <dir> && chown <owner> <dir>`, by absolute path. */
  owners: Record<string, string>
  healthcheck?: string[]
  stopsignal?: string
  cmd?: string[]
}

export function instructions(text: string): Array<[string, string]> {
  const joined = text.replace(/\\\r?\n/g, ' ')
  const out: Array<[string, string]> = []
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const m = /^(\S+)\s+(.*)$/.exec(line)
    if (m) out.push([m[1]!.toUpperCase(), m[2]!])
  }
  return out
}

function run(cmd: string, cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('sh', ['-c', cmd], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`RUN ${cmd} exited ${code}: ${err.slice(-2000)}`))))
  })
}

export async function buildDockerfile(context: string, workspace: string): Promise<Stage[]> {
  const stages: Stage[] = []
  const text = await readFile(join(context, 'Dockerfile'), 'utf8')
  for (const [op, args] of instructions(text)) {
    const stage = stages.at(-1)
    const inRoot = (s: Stage, p: string) => join(s.root, p.startsWith('/') ? p : join(s.workdir, p))
    switch (op) {
      case 'FROM': {
        const [image, as, name] = args.split(/\s+/)
        const s: Stage = {
          name: as?.toUpperCase() === 'AS' ? name! : String(stages.length),
          image: image!,
          root: join(workspace, `stage-${stages.length}`),
          workdir: '/',
          env: {},
          expose: [],
          volumes: [],
          owners: {},
        }
        await mkdir(s.root, { recursive: true })
        stages.push(s)
        break
      }
      case 'WORKDIR':
        stage!.workdir = resolve(stage!.workdir, args)
        await mkdir(join(stage!.root, stage!.workdir), { recursive: true })
        break
      case 'ENV':
        for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage!.env[m[1]!] = m[2]!.replace(/^"|"$/g, '')
        break
      case 'COPY': {
        const parts = args.split(/\s+/)
        const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice(7) : undefined
        const dest = parts.pop()!
        const source = from ? stages.find((s) => s.name === from)! : undefined
        for (const src of parts) {
          const origin = source ? inRoot(source, src) : join(context, src)
          const target = dest.endsWith('/') || parts.length > 1 ? join(inRoot(stage!, dest), src.split('/').pop()!) : inRoot(stage!, dest)
          await cp(origin, target, { recursive: true })
        }
        break
      }
      case 'RUN': {
        // A folder made for a user outside the WORKDIR (a volume's mount point) is made in the stage's
        // root, and its owner recorded: the machine running the test has no such user.
        const folder = /^mkdir -p (\/\S+) && chown (\S+) (\/\S+)$/.exec(args)
        if (folder && folder[1] === folder[3]) {
          await mkdir(join(stage!.root, folder[1]!), { recursive: true })
          stage!.owners[folder[1]!] = folder[2]!
          break
        }
        await run(args, join(stage!.root, stage!.workdir), stage!.env)
        break
      }
      case 'VOLUME':
        stage!.volumes.push(...(args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/)))
        break
      case 'USER':
        stage!.user = args
        break
      case 'EXPOSE':
        stage!.expose.push(...args.split(/\s+/))
        break
      case 'HEALTHCHECK':
        stage!.healthcheck = JSON.parse(args.replace(/^.*?CMD\s+/, ''))
        break
      case 'STOPSIGNAL':
        stage!.stopsignal = args
        break
      case 'CMD':
        stage!.cmd = JSON.parse(args)
        break
      default:
        throw new Error(`Dockerfile instruction ${op} is not understood by the test runner`)
    }
  }
  return stages
}
