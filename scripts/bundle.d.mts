/** Bundles `entry` into `<base>.cjs` with its loader as `<base>.mjs`; resolves with the loader's path. */
export function bundleServer(entry: string, base: string): Promise<string>
