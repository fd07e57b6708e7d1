import type { FastifyReply, FastifyRequest, FastifySchemaCompiler, HookHandlerDoneFunction } from 'fastify'
import type * as z from 'zod'

type Issue = z.core.$ZodIssue

/** A request that breaks PPRO's schema: a 400 whose message names each field and what is wrong with it. */
export class RequestValidationError extends Error {
  override name = 'RequestValidationError'
  readonly statusCode = 400
  constructor(
    message: string,
    readonly unknownFields: string[],
  ) {
    super(message)
  }
}

/** Unknown fields a request carried, by its parsed body, for the `Sandbox-Warning` header. */
const unknownFieldsOf = new WeakMap<object, string[]>()

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p)
  return out
}

function describe(iss: Issue): string {
  switch (iss.code) {
    case 'invalid_type':
      // zod leaves `input` out when it is undefined; its message says so either way.
      if (iss.message.endsWith('received undefined')) return 'is required'
      if (iss.expected === 'int') return 'must be an integer'
      if (iss.expected === 'boolean') return 'must be true or false'
      return `must be ${/^[aeiou]/.test(iss.expected) ? 'an' : 'a'} ${iss.expected}`
    case 'too_small':
      if (iss.origin === 'string') return Number(iss.minimum) === 1 ? 'must not be empty' : `must be at least ${iss.minimum} characters`
      if (iss.origin === 'array') return `must have at least ${iss.minimum} item(s)`
      return `must be at least ${iss.minimum}`
    case 'too_big':
      if (iss.origin === 'string') return `must be at most ${iss.maximum} characters`
      if (iss.origin === 'array' || iss.origin === 'set') return `must have at most ${iss.maximum} items`
      if (iss.origin === 'object') return `must have at most ${iss.maximum} keys`
      return `must be at most ${iss.maximum}`
    case 'invalid_format':
      if (iss.format === 'regex' && 'pattern' in iss) return `must match the pattern ${String(iss.pattern)}`
      if (iss.format === 'email') return 'must be an email address'
      if (iss.format === 'date') return 'must be a date (YYYY-MM-DD)'
      return iss.message
    case 'invalid_value':
      return `must be one of ${iss.values.map((v) => String(v)).join(', ')}`
    case 'invalid_union': {
      const options = (iss as { options?: unknown[] }).options
      return options ? `must be one of ${options.map(String).join(', ')}` : 'does not match any allowed shape'
    }
    case 'unrecognized_keys':
      return `has unknown field(s): ${iss.keys.join(', ')}`
    default:
      return iss.message
  }
}

export function describeIssues(issues: readonly Issue[]): string {
  return issues
    .map((iss) => {
      const path = fieldPath(iss.path)
      if (iss.code === 'invalid_union' && iss.errors.length > 0) {
        // Report the branch that came closest rather than "matches no shape".
        const best = iss.errors.reduce((a, b) => (b.length < a.length ? b : a))
        return describeIssues(best.map((i) => ({ ...i, path: [...iss.path, ...i.path] })))
      }
      // An empty body arrives as null: for the body itself that means it is missing.
      if (!path)
        return `the request body ${iss.code === 'invalid_type' && iss.message.endsWith('received null') ? 'is required' : describe(iss)}`
      return `${path} ${describe(iss)}`
    })
    .join('; ')
}

function unknownPaths(issues: readonly Issue[]): string[] {
  const out: string[] = []
  for (const iss of issues) if (iss.code === 'unrecognized_keys') for (const k of iss.keys) out.push(fieldPath([...iss.path, k]))
  return out
}

function deleteUnknown(data: unknown, issues: readonly Issue[]): void {
  for (const iss of issues) {
    if (iss.code !== 'unrecognized_keys') continue
    let node: unknown = data
    for (const p of iss.path) node = (node as Record<PropertyKey, unknown>)?.[p]
    if (node && typeof node === 'object') for (const k of iss.keys) delete (node as Record<string, unknown>)[k]
  }
}

/**
 * Validates with the route's zod schema. Request schemas are strict objects, so an unknown field is
 * seen; PPRO ignores unknown fields, so unless `strict` they are dropped, the request goes on, and
 * the route's reply names them in `Sandbox-Warning`.
 */
export function zodValidatorCompiler(strict: boolean): FastifySchemaCompiler<z.ZodType> {
  return ({ schema }) =>
    (data: unknown) => {
      const first = schema.safeParse(data)
      if (first.success) return { value: first.data }
      const issues = first.error.issues
      const unknown = unknownPaths(issues)
      const others = issues.filter((i) => i.code !== 'unrecognized_keys')
      if (others.length > 0 || strict || unknown.length === 0) {
        const message = describeIssues(strict ? issues : others)
        const suffix = !strict && unknown.length > 0 ? ` (also ignored unknown field(s): ${unknown.join(', ')})` : ''
        return { error: new RequestValidationError(message + suffix, unknown) }
      }
      deleteUnknown(data, issues)
      const second = schema.safeParse(data)
      if (!second.success) return { error: new RequestValidationError(describeIssues(second.error.issues), unknown) }
      if (second.data && typeof second.data === 'object') unknownFieldsOf.set(second.data, unknown)
      return { value: second.data }
    }
}

/** preHandler of POST routes: names ignored unknown fields in `Sandbox-Warning` and the log. */
export function warnUnknownFields(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const unknown = request.body && typeof request.body === 'object' ? unknownFieldsOf.get(request.body) : undefined
  if (unknown) {
    reply.header('sandbox-warning', `ignored unknown field(s): ${unknown.join(', ')}`)
    request.log.warn({ unknownFields: unknown }, 'request carried fields PPRO does not define; they were ignored')
  }
  done()
}
