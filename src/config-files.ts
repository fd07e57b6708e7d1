import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type * as z from 'zod'
import { type Config, ConfigError, ONCE } from './config.js'
import { PaymentMethods, PaymentMethodSchema } from './domain/payment-methods.js'
import { describeIssues } from './http/validation.js'
import { type SeedFile, SeedFileSchema } from './seed.js'
import { type MerchantSettings, SandboxConfigFileSchema } from './webhooks/merchants.js'

/**
 * The payment methods the sandbox ships (`fixtures/payment-methods/` at the package root), found from
 * this module's place: `src/` and `dist/` are one level down, the bundle `dist/bundle/` two.
 */
export const DEFAULT_FIXTURES_DIR = new URL(
  import.meta.url.includes('/dist/bundle/') ? '../../fixtures/payment-methods/' : '../fixtures/payment-methods/',
  import.meta.url,
)

/** Everything the configuration points at, read and checked: what `buildApp` is then built from. */
export interface ConfigFiles {
  methods: PaymentMethods
  /** Per-merchant webhook settings of the `SANDBOX_CONFIG` file. */
  merchants: Record<string, MerchantSettings>
  /** The `SEED_DIR` files, in name order. */
  seed: SeedFile[]
}

/**
 * Reads the files the configuration names, at start-up and never again: the payment-method fixtures,
 * `SANDBOX_CONFIG` and `SEED_DIR`. A missing, unreadable or invalid file is a ConfigError naming the
 * file and what is wrong with it, in one line.
 */
export async function loadConfigFiles(config: Partial<Pick<Config, 'sandboxConfigPath' | 'seedDir'>>): Promise<ConfigFiles> {
  const [methods, file, seed] = await Promise.all([
    loadPaymentMethods(),
    config.sandboxConfigPath ? loadSandboxConfigFile(config.sandboxConfigPath) : { merchants: {} },
    config.seedDir ? loadSeedDir(config.seedDir) : [],
  ])
  return { methods, merchants: file.merchants, seed }
}

/** Reads and checks one JSON file; every failure is a ConfigError that starts with `label`. */
async function readJson<S extends z.ZodType>(label: string, path: string | URL, schema: S): Promise<z.output<S>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`${label}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`${label}: not valid JSON (${(err as Error).message})`)
  }
  const parsed = schema.safeParse(raw, ONCE)
  if (!parsed.success) throw new ConfigError(`${label}: ${describeIssues(parsed.error.issues)}`)
  return parsed.data
}

async function jsonFilesOf(label: string, dir: string | URL): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()
  } catch (err) {
    throw new ConfigError(`${label}: cannot read the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}

/** Reads every `*.json` in the folder; a file that breaks the schema stops the start with its name. */
export async function loadPaymentMethods(dir: URL | string = DEFAULT_FIXTURES_DIR): Promise<PaymentMethods> {
  const names = await jsonFilesOf(`payment-method fixtures ${String(dir)}`, dir)
  const methods = []
  for (const name of names) {
    const file = typeof dir === 'string' ? join(dir, name) : new URL(name, dir)
    methods.push(await readJson(`fixture ${name}`, file, PaymentMethodSchema))
  }
  return new PaymentMethods(methods)
}

/** The optional `SANDBOX_CONFIG` file: per-merchant webhook URLs and secrets. */
export function loadSandboxConfigFile(path: string): Promise<z.output<typeof SandboxConfigFileSchema>> {
  return readJson(`SANDBOX_CONFIG ${path}`, path, SandboxConfigFileSchema)
}

/** The `SEED_DIR` folder: every `*.json`, in name order, checked but not yet applied. */
export async function loadSeedDir(dir: string): Promise<SeedFile[]> {
  const names = await jsonFilesOf(`SEED_DIR ${dir}`, dir)
  const files: SeedFile[] = []
  for (const name of names) files.push({ name, ...(await readJson(`SEED_DIR ${name}`, join(dir, name), SeedFileSchema)) })
  return files
}
