// Newest-first cursor pages of a dashboard list: newer/older buttons, one load in flight at a time
// (a load asked for meanwhile runs once after it), and the cursors of the pages seen so far.
import { h } from './dom.js'

export const LIMIT = 25

/**
 * fetchPage(cursor) answers the API's `{data, nextPage, total}`; show(res, index) renders it, and is
 * told when the load failed (show(undefined, index, err)). `ids` names the two buttons (for tests);
 * `onMove` runs whenever the reader moves to another page or back to the first.
 */
export function cursorPager(fetchPage, show, { ids = {}, onMove = () => {} } = {}) {
  const pages = [undefined]
  let index = 0
  let loading = false
  let again = false
  const newer = h('button', { type: 'button', class: 'btn btn-small', id: ids.newer, on: { click: () => go(-1) } }, '← Newer')
  const older = h('button', { type: 'button', class: 'btn btn-small', id: ids.older, on: { click: () => go(1) } }, 'Older →')

  async function load() {
    if (loading) {
      again = true
      return
    }
    loading = true
    try {
      const res = await fetchPage(pages[index])
      pages.length = index + 1
      if (res.nextPage) pages.push(res.nextPage)
      newer.disabled = index === 0
      older.disabled = index >= pages.length - 1
      show(res, index)
    } catch (err) {
      show(undefined, index, err)
    } finally {
      loading = false
      if (again) {
        again = false
        void load()
      }
    }
  }
  const go = (step) => {
    const next = index + step
    if (next < 0 || next >= pages.length) return
    index = next
    onMove()
    void load()
  }
  return {
    newer,
    older,
    load,
    go,
    /** Back to the newest page. */
    first() {
      pages.length = 1
      index = 0
      onMove()
      void load()
    },
    get onFirstPage() {
      return index === 0
    },
  }
}
