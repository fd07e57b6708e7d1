import type { Sandbox } from '../sandbox.js'
import { type PageAction, recorderOf } from './recorder.js'

/**
 * The approval page's one call into the feed: the consumer opened the page of `id` (a charge or an
 * agreement), or chose approve, decline or cancel on it. Call it before the choice is applied, so the
 * events it causes carry it as their reason.
 */
export function consumerAction(sandbox: Sandbox, id: string, action: PageAction | string): void {
  if (action === 'opened' || action === 'approve' || action === 'decline' || action === 'cancel') recorderOf(sandbox)?.consumer(id, action)
}
