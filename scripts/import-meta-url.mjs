// Injected into the CommonJS bundle (scripts/bundle.mjs): `import.meta.url` of the modules that find
// files beside them (the fixtures, the dashboard) becomes the bundle's own file URL.
export const importMetaUrl = require('node:url').pathToFileURL(__filename).href
