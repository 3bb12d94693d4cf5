import fp from 'fastify-plugin'
import { createFilesService, type FilesService } from '../../files/files-service.js'
import { createWorkspaceFiles, type WorkspaceFiles } from '../../files/workspace-files.js'

declare module 'fastify' {
  interface FastifyInstance {
    workspaceFiles: WorkspaceFiles
    /** the Files view's actions on a running session's workspace, each audited */
    files: FilesService
  }
}

/** The workspace folder of running sessions, as the Files view reaches it. */
export default fp(
  async (app) => {
    const files = createWorkspaceFiles(app.sandboxDriver, app.log)
    app.decorate('workspaceFiles', files)
    app.decorate(
      'files',
      createFilesService({ store: app.store, files, display: app.display, touch: (id) => app.sessions.touch(id) })
    )
  },
  { name: 'files', dependencies: ['sessions', 'display'] }
)
