// The sandbox holding SEED_CHARGES stored charges of one merchant before it listens, for the
// growth curve (bench/growth.mjs). Charges are created in process, through the same domain call the
// create route makes, so seeding a million takes seconds instead of minutes of HTTP. It prints the
// ids and references the load then asks for.
import { buildApp } from '../../dist/app.js'

const N = Number(process.env.SEED_CHARGES ?? 1000)
const MERCHANT = 'merch_bench'
const body = (ref) => ({
  paymentMethod: 'KAKAOPAY',
  paymentDescriptor: 'Order description',
  merchantPaymentChargeReference: ref,
  amount: { value: 15000, currency: 'KRW' },
  consumer: { name: 'John Smith', country: 'KR' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.webshop.com/order-results-page' } }],
})

const app = await buildApp({ logger: false })
const { sandbox } = app
// 30 charges share one reference, spread evenly through the history (a paged search); every other
// charge has its own.
const step = Math.floor(N / 30)
let middle
for (let i = 0; i < N; i++) {
  const shared = i % step === 0 && i / step < 30
  const charge = sandbox.charges.create(MERCHANT, body(shared ? 'shared-30' : `ref-${i}`))
  if (i === Math.floor(N / 2) + 1) middle = { chargeId: charge.id, uniqueReference: `ref-${i}` }
}
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.stdout.write(JSON.stringify(middle) + '\n')
