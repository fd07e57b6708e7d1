// The flows that write, run again against durable mode: every app of these files is built on its
// own DATA_DIR (see buildTestApp), and after each test it is rebuilt from that folder and must show
// the same charges and events.
process.env.SANDBOX_TEST_DURABLE = '1'
await import('../http/routes/payment-charges.test.js')
await import('../domain/refunds.test.js')
await import('../http/routes/charge-operations.test.js')
await import('../http/idempotency.test.js')
await import('../concurrency.test.js')
