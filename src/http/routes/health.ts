import type { FastifyInstance } from 'fastify'

/** Answers once the server is listening: Docker's HEALTHCHECK and CI wait on it. */
export async function healthRoutes(app: FastifyInstance) {
  app.get('/health', async () => ({ status: 'ok' }))
}
