import { writeFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { registerDataset } from '../../server/src/datasets/registration.js'

/**
 * Gives a dataset a small file (`content`, not necessarily a DuckDB database) the way every dataset
 * file comes to be: registered, so encrypted at rest under a key of its own.
 */
export async function attachTestDataset(
  app: FastifyInstance,
  dataDir: string,
  name: string,
  content: string
): Promise<void> {
  await registerDataset(
    app.store,
    dataDir,
    app.keys.keyring,
    {
      name,
      write: async (path) => {
        writeFileSync(path, content)
        return { details: { source: 'test' } }
      }
    },
    { actor: 'test', sourceIp: null }
  )
}
