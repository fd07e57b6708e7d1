// More of the flows that write, against durable mode (see suite.test.ts).
process.env.SANDBOX_TEST_DURABLE = '1'
await import('../http/payment-agreements.test.js')
await import('../http/checkout.test.js')
await import('../sandbox/controls.test.js')
await import('../sandbox/simulation.test.js')
await import('../webhooks/webhooks.test.js')
