import fp from 'fastify-plugin'
import { DEFAULT_LINGER_MS, HostCopies, hostCopiesRoot } from '../../datasets/host-copies.js'
import { DockerDriver } from '../../sandbox/docker-driver.js'
import type { SandboxDriver } from '../../sandbox/driver.js'
import { createSessionService, LABELS, type SessionService } from '../../sessions/session-service.js'
import { DEFAULT_QUOTAS } from '../../policy/schema.js'
import { createRecorder } from '../../terminal/recording.js'
import { createTerminalService, type TerminalService } from '../../terminal/terminal-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    sandboxDriver: SandboxDriver
    sessions: SessionService
    terminals: TerminalService
  }
}

export interface SessionsPluginOptions {
  /** defaults to the Docker engine on the local socket */
  driver?: SandboxDriver
  /** how often the reaper looks at live sessions; within a minute of a lapse they end */
  reapIntervalMs?: number
  /** how long a dataset copy no sandbox uses stays on the host (ms) */
  datasetLingerMs?: number
}

/**
 * Sessions and their reaper. At start the gateway re-adopts its live sandboxes; if the engine is
 * unreachable then, it says so and the reaper tries again, rather than refusing to serve sign-ins.
 */
export default fp<SessionsPluginOptions>(
  async (app, opts) => {
    const driver = opts.driver ?? new DockerDriver()
    const recordings = createRecorder({
      dataDir: app.config.dataDir,
      keyring: app.keys.keyring,
      now: () => app.now().getTime(),
      capFor: (projectId) => (app.policyFor(projectId).quotas ?? DEFAULT_QUOTAS).recordingBytesPerSession,
      // the digest on record makes a later edit of the file visible; the part is closed either way
      onClosed: async ({ sessionId, part, bytes, sha256, truncated, error }) => {
        await app.store
          .appendAudit({
            actor: 'system',
            action: 'recording.closed',
            sourceIp: null,
            target: sessionId,
            outcome: error === null ? 'success' : 'error',
            details: {
              session: sessionId,
              part,
              bytes,
              sha256,
              truncated,
              ...(error === null ? {} : { reason: error })
            }
          })
          .catch((err: unknown) =>
            app.log.error({ err, session: sessionId, part }, 'could not audit a closed recording')
          )
      }
    })
    // the session's shell restores its workspace, so sessions start it as part of the launch
    const terminals = createTerminalService({
      recordings,
      driver,
      dataDir: app.config.dataDir,
      now: () => app.now().getTime(),
      log: app.log,
      display: app.display
    })
    const hostCopies = new HostCopies({
      root: hostCopiesRoot(await app.store.gatewayId()),
      keyring: app.keys.keyring,
      lingerMs: opts.datasetLingerMs ?? DEFAULT_LINGER_MS
    })
    const sessions = createSessionService({
      shells: terminals,
      store: app.store,
      driver,
      policy: app.policyFor,
      now: app.now,
      dataDir: app.config.dataDir,
      keyring: app.keys.keyring,
      hostCopies,
      admission: { settings: app.config.admission },
      timeZone: app.config.timeZone,
      log: app.log
    })
    app.decorate('sandboxDriver', driver)
    app.decorate('sessions', sessions)
    app.decorate('terminals', terminals)
    const forgetDisplay = sessions.onEnding((id) => app.display.forget(id))

    let reconciled = false
    const reconcile = async () => {
      try {
        const r = await sessions.reconcile()
        reconciled = true
        app.log.info(r, 'sandboxes reconciled')
        // a policy file changed while the gateway was down: the adopted sessions get what can change live
        await sessions.applyPolicy({ actor: 'system', sourceIp: null })
      } catch (err) {
        app.log.error({ err }, 'could not reconcile sandboxes; will retry')
      }
    }
    const pruneDatasets = async (options: { lingerMs?: number } = {}) => {
      const r = await sessions.pruneDatasets(options)
      if (r.removed.length > 0 || r.ending.length > 0) app.log.info(r, 'dataset copies on this host pruned')
    }
    // the warm pool is tended beside the reaper, never holding it up: a start takes seconds
    let tending: Promise<void> | null = null
    const tendPool = () => {
      if (tending !== null || !reconciled || closing) return
      tending = sessions.pool
        .tend()
        .catch((err: unknown) => app.log.error({ err }, 'tending the warm pool failed; will retry'))
        .finally(() => {
          tending = null
        })
    }
    let closing = false
    let timer: NodeJS.Timeout | null = null
    let running: Promise<void> | null = null
    const tick = () => {
      if (running) return
      running = (async () => {
        if (!reconciled) await reconcile()
        if (reconciled) {
          // each on its own: an erased dataset's copy must not wait for a reaper that failed
          await pruneDatasets().catch((err: unknown) => app.log.error({ err }, 'pruning dataset copies failed; will retry'))
          await sessions.reap()
          await sessions.wipeEndedProjects()
          tendPool()
        }
      })()
        // a failed pass (store or engine away) is logged and tried again next tick, never left
        // as an unhandled rejection that would take the gateway down
        .catch((err: unknown) => app.log.error({ err }, 'reaper pass failed; will retry'))
        .finally(() => {
          running = null
        })
    }
    let unwatch: (() => void) | null = null
    app.addHook('onReady', async () => {
      unwatch = driver.watch({ [LABELS.gateway]: await app.store.gatewayId() }, (event) => {
        sessions
          .onSandboxEvent(event)
          .catch((err: unknown) => app.log.error({ err }, 'could not handle a sandbox event'))
      })
      await reconcile()
      timer = setInterval(tick, opts.reapIntervalMs ?? 15_000)
      timer.unref()
    })
    app.addHook('onClose', async () => {
      closing = true
      forgetDisplay()
      unwatch?.()
      if (timer) clearInterval(timer)
      await running
      await tending
      await sessions.settle()
      // what was started ahead is nobody's: it goes with the gateway
      await sessions.pool.drain().catch((err: unknown) => app.log.error({ err }, 'could not remove the warm pool'))
      await recordings.closeAll()
      // what no sandbox mounts any more leaves the host's memory with the gateway; what they do
      // stays for them (they outlive a restart) and for the next gateway's prune
      await pruneDatasets({ lingerMs: 0 }).catch((err: unknown) =>
        app.log.error({ err }, 'could not remove unused dataset copies at shutdown')
      )
    })
  },
  { name: 'sessions', dependencies: ['store', 'policy', 'config', 'display'] }
)
