import type { FastifyInstance } from 'fastify'

/**
 * Answers once the server is listening: Docker's HEALTHCHECK and CI wait on it. It says whether the
 * sandbox keeps its state in memory only or in DATA_DIR, and then how big that folder is and when
 * it was last compacted.
 */
export async function healthRoutes(app: FastifyInstance, { status }: { status: () => object }) {
  app.get('/health', async () => ({ status: 'ok', ...status() }))
}
