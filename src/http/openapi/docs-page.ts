import { escapeHtml as e } from '../pages/html.js'

type Json = Record<string, any>

const METHODS = ['get', 'post', 'put', 'patch', 'delete']

/** A JSON Schema as a nested list a person reads: each field, its type, whether required, its limits. */
function schemaHtml(s: Json | undefined, depth = 0): string {
  if (!s || depth > 8) return ''
  const variants = (s.anyOf ?? s.oneOf) as Json[] | undefined
  if (variants)
    return `<div class="oneof">one of:<ol>${variants.map((v) => `<li>${typeLabel(v)}${schemaHtml(v, depth + 1)}</li>`).join('')}</ol></div>`
  if (s.type === 'array' && s.items)
    return s.items.properties || s.items.anyOf ? `<div class="items">each item:${schemaHtml(s.items, depth + 1)}</div>` : ''
  const props = s.properties as Record<string, Json> | undefined
  if (!props) return ''
  const required = new Set<string>(s.required ?? [])
  const rows = Object.entries(props).map(
    ([name, p]) =>
      `<li><code class="field">${e(name)}</code> <span class="type">${e(typeLabel(p))}</span>${required.has(name) ? ' <span class="req">required</span>' : ''}${limits(p)}${p.description ? `<div class="desc">${e(p.description)}</div>` : ''}${schemaHtml(p, depth + 1)}</li>`,
  )
  return `<ul class="fields">${rows.join('')}</ul>`
}

function typeLabel(s: Json): string {
  if (s.const !== undefined) return JSON.stringify(s.const)
  if (s.enum) return 'enum'
  if (s.type === 'array') return `array of ${s.items ? typeLabel(s.items) : 'any'}`
  if (Array.isArray(s.type)) return s.type.join(' | ')
  if (s.type === 'object' && !s.properties && s.additionalProperties) return `map of ${typeLabel(s.additionalProperties)}`
  if (s.anyOf || s.oneOf) return 'one of'
  return String(s.type ?? (s.$ref ? String(s.$ref).split('/').pop() : 'any'))
}

function limits(s: Json): string {
  const out: string[] = []
  if (s.enum) out.push(s.enum.map((v: unknown) => String(v)).join(', '))
  if (s.format) out.push(`format ${s.format}`)
  // A format says it better than the regex zod writes for it.
  if (s.pattern && !s.format) out.push(`pattern ${s.pattern}`)
  if (s.minLength !== undefined) out.push(`min length ${s.minLength}`)
  if (s.maxLength !== undefined) out.push(`max length ${s.maxLength}`)
  // zod's z.int() bounds are JavaScript's safe integers: no limit a reader needs to know.
  if (s.minimum !== undefined && s.minimum !== Number.MIN_SAFE_INTEGER) out.push(`min ${s.minimum}`)
  if (s.maximum !== undefined && s.maximum !== Number.MAX_SAFE_INTEGER) out.push(`max ${s.maximum}`)
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`)
  return out.length ? ` <span class="limits">${e(out.join('; '))}</span>` : ''
}

function parameterRows(params: Json[], doc: Json): string {
  const resolved = params.map((p) => (p.$ref ? doc.components.parameters[String(p.$ref).split('/').pop()!] : p))
  if (resolved.length === 0) return ''
  const rows = resolved.map(
    (p) =>
      `<tr><td><code>${e(p.name)}</code></td><td>${e(p.in)}</td><td>${e(typeLabel(p.schema ?? {}))}${limits(p.schema ?? {})}</td><td>${p.required ? 'required' : ''}</td><td>${e(p.description ?? '')}</td></tr>`,
  )
  return `<table><thead><tr><th>parameter</th><th>in</th><th>type</th><th></th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

/** The OpenAPI document as one reference page: no script, its style sheet served beside it. */
export function renderDocs(doc: Json): string {
  const ops: Array<{ tag: string; method: string; path: string; op: Json }> = []
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>))
    for (const method of METHODS) if (item[method]) ops.push({ tag: item[method].tags?.[0] ?? 'Other', method, path, op: item[method] })
  const tags: Array<{ name: string; description?: string }> = [...doc.tags]
  for (const o of ops) if (!tags.some((t) => t.name === o.tag)) tags.push({ name: o.tag })
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-')

  const nav = tags
    .map(
      (t) =>
        `<li><a href="#${slug(t.name)}">${e(t.name)}</a><ul>${ops
          .filter((o) => o.tag === t.name)
          .map(
            (o) =>
              `<li><a href="#${e(o.op.operationId)}"><span class="m ${o.method}">${o.method.toUpperCase()}</span> ${e(o.path.replace(/\{[^}]+\}/g, '{id}'))}</a></li>`,
          )
          .join('')}</ul></li>`,
    )
    .join('')
  const sections = tags
    .map((t) => {
      const body = ops
        .filter((o) => o.tag === t.name)
        .map(({ method, path, op }) => {
          const bodySchema = op.requestBody?.content?.['application/json']?.schema
          const responses = Object.entries(op.responses as Record<string, Json>)
            .map(([code, r]) => {
              const res = r.$ref ? doc.components.responses[String(r.$ref).split('/').pop()!] : r
              return `<li><code>${e(code)}</code> ${e(res.description)}</li>`
            })
            .join('')
          return `<section class="op" id="${e(op.operationId)}">
<h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${e(path)}</code>${op['x-sandbox-only'] ? ' <span class="badge">sandbox only</span>' : ''}</h3>
<p>${e(op.summary)}</p>
${parameterRows(op.parameters ?? [], doc)}
${bodySchema ? `<h4>Request body${op.requestBody.required ? '' : ' (optional)'}</h4>${schemaHtml(bodySchema)}` : ''}
<h4>Responses</h4><ul class="responses">${responses}</ul>
</section>`
        })
        .join('\n')
      return `<h2 id="${slug(t.name)}">${e(t.name)}</h2>${t.description ? `<p class="tagdesc">${e(t.description)}</p>` : ''}\n${body}`
    })
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(doc.info.title)}: API reference</title><link rel="stylesheet" href="/docs/docs.css"></head>
<body><nav><p class="brand">${e(doc.info.title)}</p><p><a href="/openapi.json">openapi.json</a></p><ul>${nav}</ul></nav>
<main><h1>API reference</h1><p>${e(doc.info.description)}</p>
<p>Every call under <code>/v1</code> and <code>/sandbox</code> sends <code>Authorization: Bearer &lt;key&gt;</code> and <code>Merchant-Id</code>. Errors answer PPRO's envelope <code>{status, failureMessage, timestamp}</code>.</p>
${sections}</main></body></html>`
}

export const DOCS_CSS = `:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--side:#f6f8fa;--get:#0969da;--post:#1a7f37;--delete:#cf222e;--put:#9a6700;--patch:#8250df}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);display:flex}
nav{position:sticky;top:0;height:100vh;overflow:auto;width:340px;flex:none;background:var(--side);border-right:1px solid var(--line);padding:16px;font-size:13px}
nav ul{list-style:none;margin:0;padding:0 0 0 4px}nav>ul>li{margin:10px 0 4px;font-weight:600}nav li li{font-weight:400;margin:2px 0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
nav a{color:inherit;text-decoration:none}nav a:hover{text-decoration:underline}.brand{font-weight:700;font-size:15px;margin:0 0 4px}
main{padding:24px 40px;max-width:1000px;min-width:0}h1{margin-top:0}h2{margin-top:40px;border-bottom:1px solid var(--line);padding-bottom:4px}
.tagdesc{color:var(--muted)}.op{border:1px solid var(--line);border-radius:8px;padding:4px 16px 12px;margin:16px 0}
h3{font-size:16px;margin:12px 0 4px;word-break:break-all}h4{margin:12px 0 4px;font-size:14px}
.m{display:inline-block;min-width:56px;text-align:center;border-radius:4px;color:#fff;font:600 12px/20px ui-monospace,monospace;padding:0 6px}
.m.get{background:var(--get)}.m.post{background:var(--post)}.m.delete{background:var(--delete)}.m.put{background:var(--put)}.m.patch{background:var(--patch)}
nav .m{min-width:44px;font-size:10px;line-height:16px}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eff2f5;border-radius:4px;padding:1px 4px}
.badge{font-size:11px;border:1px solid var(--muted);color:var(--muted);border-radius:10px;padding:0 6px;vertical-align:middle}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
ul.fields{list-style:none;padding-left:16px;border-left:2px solid var(--line);margin:4px 0}ul.fields li{margin:3px 0}
.type{color:var(--get);font-size:13px}.req{color:var(--delete);font-size:12px}.limits{color:var(--muted);font-size:12px}.desc{color:var(--muted);font-size:13px}
.oneof ol{margin:2px 0;padding-left:20px}.responses{padding-left:20px}
`
