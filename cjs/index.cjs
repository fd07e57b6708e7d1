'use strict'
// ppro-kakaopay-sandbox is an ES module. Node 20.19+ and 22.12+ load an ES module with require();
// older versions cannot, and are told what to do instead of failing with a bare ERR_REQUIRE_ESM.
if (process.features && process.features.require_module) {
  module.exports = require('../dist/kit/index.js')
} else {
  throw new Error(
    `ppro-kakaopay-sandbox is an ES module, and Node ${process.version} cannot require() one: ` +
      "use `const { startSandbox } = await import('ppro-kakaopay-sandbox')`, or Node 20.19+ or 22.12+.",
  )
}
