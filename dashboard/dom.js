// Building the page without parsing HTML: every string becomes a text node or an attribute value, so
// whatever a merchant sent (a descriptor, a reference, a consumer's name) is shown as text, never run.

/**
 * h('a', {class: 'row', href: '#/x', on: {click: fn}}, 'text', child, [more, children])
 * Props: `class`, `on` (event listeners), `dataset`, booleans (`disabled`, `open`), anything else an attribute.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn)
    else if (key === 'dataset') Object.assign(el.dataset, value)
    else if (key === 'value') el.value = value
    else if (value === true) el.setAttribute(key, '')
    else el.setAttribute(key, String(value))
  }
  append(el, children)
  return el
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue
    if (Array.isArray(child)) append(el, child)
    else if (child instanceof Node) el.appendChild(child)
    else el.appendChild(document.createTextNode(String(child)))
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren()
  append(el, children)
  return el
}

/** A text toast for a few seconds; `tone` is `ok` or `error`. */
export function toast(message, tone = 'ok') {
  const box = document.getElementById('toasts')
  const item = h('div', { class: ['toast', `toast-${tone}`] }, message)
  box.appendChild(item)
  // A few at a time: the oldest make way.
  while (box.children.length > 3) box.firstElementChild.remove()
  setTimeout(() => item.remove(), tone === 'error' ? 7000 : 3500)
}

/** Copies text; where the page may not use the clipboard (plain http on a LAN address), shows it to copy by hand. */
export async function copyText(text, what = 'Copied') {
  try {
    await navigator.clipboard.writeText(text)
    toast(`${what} to the clipboard`)
  } catch {
    const area = h('textarea', { class: 'copy-area', readonly: true, rows: 8, 'aria-label': 'Text to copy' })
    area.value = text
    openDialog('Copy this', [area], [{ label: 'Close', value: 'close' }])
    area.select()
  }
}

/**
 * A modal dialog (the platform's <dialog>: focus is trapped, Escape closes). Resolves with the value of
 * the button pressed, or '' when dismissed.
 */
export function openDialog(title, body, buttons) {
  const dialog = document.getElementById('dialog')
  return new Promise((resolve) => {
    const done = (value) => {
      dialog.close()
      resolve(value)
    }
    fill(
      dialog,
      h('h2', { class: 'dialog-title' }, title),
      h('div', { class: 'dialog-body' }, body),
      h(
        'div',
        { class: 'dialog-buttons' },
        buttons.map((b) =>
          h(
            'button',
            { type: 'button', class: ['btn', b.class], dataset: { value: b.value }, on: { click: () => done(b.value) } },
            b.label,
          ),
        ),
      ),
    )
    dialog.addEventListener('cancel', () => resolve(''), { once: true })
    dialog.showModal()
  })
}
