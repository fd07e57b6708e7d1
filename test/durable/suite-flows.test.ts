// More of the flows that write, against durable mode (see suite.test.ts).
process.env.SANDBOX_TEST_DURABLE = '1'
await import('../http/routes/payment-agreements.test.js')
await import('../http/pages/checkout.test.js')
await import('../http/routes/sandbox-controls.test.js')
await import('../domain/simulation.test.js')
await import('../webhooks/dispatcher.test.js')
