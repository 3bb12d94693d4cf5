import fp from 'fastify-plugin'
import { createWorkspaceFiles, type WorkspaceFiles } from '../../files/workspace-files.js'

declare module 'fastify' {
  interface FastifyInstance {
    workspaceFiles: WorkspaceFiles
  }
}

/** The workspace folder of running sessions, as the Files view reaches it. */
export default fp(
  async (app) => {
    app.decorate('workspaceFiles', createWorkspaceFiles(app.sandboxDriver, app.log))
  },
  { name: 'files', dependencies: ['sessions'] }
)
