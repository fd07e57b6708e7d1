/**
 * Polls `check` every 50 ms until it holds or `ms` have passed (then checks once more): true once it
 * held. For what real processes do on their own time (replicas, a Redis they share); every wait is bounded.
 */
export async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return check()
}
