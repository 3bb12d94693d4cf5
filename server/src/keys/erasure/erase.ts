import { closeSync, fsyncSync, openSync, rmSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { AuditEvent, AuditRecord } from '../../audit/record.js'
import type { Store } from '../../store/types.js'
import type { KeyEntry, Keyring } from '../keyring.js'
import { erasurePlan, type ErasedFile } from './project-files.js'
import { removeCopiesOfKey } from '../../datasets/host-copies-cleanup.js'

/** What the `project.erased` record holds: what the erasure report restates and signs. */
export interface ErasureDetails {
  project: string
  reason: string
  keys: {
    id: string
    purpose: string
    scope: string
    kek: string
    destroyedAt: string
    audit: { seq: number; hash: string }
  }[]
  fileCount: number
  totalBytes: number
  files: ErasedFile[]
}

export interface ErasureDeps {
  store: Store
  keyring: Keyring
  dataDir: string
  now: () => Date
  /** who the audit names: `system` at retention, `cli:<name>` by hand */
  actor: string
}

/**
 * Erases a project's data by destroying its keys: first the audit (one `key.destroyed` per key, then
 * `project.erased` with every file), so a log that cannot be written stops the erasure before
 * anything is gone; then the keys in the provider, so whatever a crash leaves behind can no longer
 * be decrypted; then the files. Run again after a crash it finishes the rest (the keys already
 * destroyed are not named again). Returns the `project.erased` record, or null when nothing of the
 * project is left to erase.
 */
export async function eraseProject(deps: ErasureDeps, projectId: string, reason: string): Promise<AuditRecord | null> {
  const { store, keyring, dataDir } = deps
  const project = await store.getProject(projectId)
  if (project === null) throw new Error(`no project ${projectId}`)
  const plan = await erasurePlan(deps, projectId)
  if (plan.keys.length === 0 && plan.files.length === 0) return null

  const event = (action: AuditEvent['action'], details: Record<string, unknown>): AuditEvent => ({
    actor: deps.actor,
    action,
    sourceIp: null,
    target: projectId,
    outcome: 'success',
    details
  })
  const at = deps.now().toISOString()
  const keys: ErasureDetails['keys'] = []
  for (const k of plan.keys) {
    const r = await store.appendAudit(
      event('key.destroyed', {
        keyId: k.id,
        purpose: k.purpose,
        scope: k.scope,
        kek: k.kek,
        destroyedAt: at,
        project: projectId,
        reason
      })
    )
    keys.push({
      id: k.id,
      purpose: k.purpose,
      scope: k.scope,
      kek: k.kek,
      destroyedAt: at,
      audit: { seq: r.seq, hash: r.hash }
    })
  }
  const details: ErasureDetails = {
    project: project.title,
    reason,
    keys,
    fileCount: plan.files.length,
    totalBytes: plan.files.reduce((n, f) => n + f.bytes, 0),
    files: plan.files
  }
  const erased = await store.appendAudit(event('project.erased', details as unknown as Record<string, unknown>))

  for (const k of plan.keys) destroyKey(keyring, k)
  for (const f of plan.files) shred(join(dataDir, f.path))
  for (const dir of plan.directories) rmSync(dir, { recursive: true, force: true })
  return erased
}

function destroyKey(keyring: Keyring, k: KeyEntry): void {
  const done = keyring.destroy(k.id)
  if (keyring.provider.hasKek(done.kek))
    throw new Error(`the key provider still holds ${done.kek} after destroying ${k.id}`)
  // a dataset version's plaintext shared on this host goes with its key, gateway running or not
  if (k.purpose === 'dataset') removeCopiesOfKey(k.id)
}

/**
 * Overwrites a file with zeros before deleting it. The files are ciphertext whose key is gone, so
 * this is not what erases them; it keeps the deleted blocks from handing the ciphertext to anyone
 * who later breaks the cipher, on filesystems that overwrite in place.
 */
export function shred(path: string): void {
  let size: number
  try {
    size = statSync(path).size
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
    throw e
  }
  const fd = openSync(path, 'r+')
  try {
    const zeros = Buffer.alloc(Math.min(size, 1 << 20))
    for (let at = 0; at < size; at += zeros.length) writeSync(fd, zeros, 0, Math.min(zeros.length, size - at), at)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  rmSync(path, { force: true })
}
