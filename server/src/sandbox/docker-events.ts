import type Docker from 'dockerode'
import type { SandboxEvent } from './driver.js'

/** One line of the engine's event stream as a sandbox event; null for a blank line. */
export function sandboxEventOf(line: string): SandboxEvent | null {
  if (line.trim() === '') return null
  const e = JSON.parse(line) as { id: string; Action: string; Actor?: { Attributes?: Record<string, string> } }
  const attrs = e.Actor?.Attributes ?? {}
  return {
    sandboxId: e.id,
    labels: attrs,
    kind: e.Action === 'oom' ? 'oom' : 'died',
    exitCode: attrs.exitCode === undefined ? null : Number(attrs.exitCode)
  }
}

/**
 * Follows the engine's `oom` and `die` events of containers with `labels`, resubscribing while the
 * engine is away; returns the function that stops following.
 */
export function watchEngineEvents(
  docker: Docker,
  labels: Record<string, string>,
  onEvent: (event: SandboxEvent) => void
): () => void {
  let stopped = false
  let current: NodeJS.ReadableStream | null = null
  const subscribe = async () => {
    while (!stopped) {
      try {
        const stream = (await docker.getEvents({
          filters: {
            type: ['container'],
            event: ['oom', 'die'],
            label: Object.entries(labels).map(([k, v]) => `${k}=${v}`)
          }
        })) as NodeJS.ReadableStream
        current = stream
        let buffered = ''
        await new Promise<void>((resolve) => {
          stream.on('data', (chunk: Buffer) => {
            buffered += chunk.toString('utf8')
            let nl: number
            while ((nl = buffered.indexOf('\n')) >= 0) {
              const line = buffered.slice(0, nl)
              buffered = buffered.slice(nl + 1)
              const event = sandboxEventOf(line)
              if (event !== null) onEvent(event)
            }
          })
          stream.on('end', resolve)
          stream.on('close', resolve)
          stream.on('error', () => resolve())
        })
      } catch {
        // the engine is away: try again shortly
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 1000))
    }
  }
  void subscribe()
  return () => {
    stopped = true
    ;(current as unknown as { destroy?: () => void } | null)?.destroy?.()
  }
}
