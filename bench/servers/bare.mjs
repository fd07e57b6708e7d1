// The baseline: a bare Fastify server doing the least the sandbox's routes do (read a stored
// object and send it as JSON; parse a JSON body, store it, answer it).
import Fastify from 'fastify'

const app = Fastify({ logger: false })
const store = new Map()
let n = 0
app.get('/health', async () => ({ status: 'ok' }))
app.post('/v1/payment-charges', async (req) => {
  const id = `charge_${String(++n).padStart(21, '0')}`
  const charge = { id, ...req.body, status: 'AUTHENTICATION_PENDING', createdAt: new Date().toISOString() }
  store.set(id, charge)
  return charge
})
app.get('/v1/payment-charges/:id', async (req, reply) => store.get(req.params.id) ?? reply.code(404).send({ message: 'not found' }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
