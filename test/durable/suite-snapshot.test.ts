// The flows that write, against durable mode, each test's state then written as a snapshot (a
// compaction) and read back from it: the restart check (see suite.test.ts) then compares what a
// snapshot brings back, not what the journal does.
process.env.SANDBOX_TEST_DURABLE = '1'
process.env.SANDBOX_TEST_DURABLE_SNAPSHOT = '1'
await import('../http/routes/payment-charges.test.js')
await import('../domain/refunds.test.js')
await import('../http/idempotency.test.js')
await import('../http/routes/payment-agreements.test.js')
await import('../http/routes/sandbox-controls.test.js')
await import('../webhooks/dispatcher.test.js')
