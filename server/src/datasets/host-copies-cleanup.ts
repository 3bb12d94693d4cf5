/**
 * Cleaning up the host's dataset copies across gateways, from any process of the platform's user:
 * what destroys a key removes its copies (gateway running or not), and a start-up sweeps what dead
 * writers left half-written.
 */
import { existsSync, lstatSync, readdirSync, rmSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { MEMORY_DIR } from './at-rest.js'
import { HOST_COPIES_PREFIX, KEY_ID, PARTIAL_NAME, SUFFIX } from './host-copies.js'

/**
 * Removes what writers that no longer run left half-written in any gateway's copies directory of
 * this user (a gateway killed while it decrypted): their plaintext would otherwise stay until a
 * gateway with the same id pruned. Copies being written by live processes are left alone.
 */
export function sweepPartialCopies(alive: (pid: number) => boolean): string[] {
  const removed: string[] = []
  for (const root of ownCopyRoots()) {
    try {
      for (const name of readdirSync(root)) {
        const m = PARTIAL_NAME.exec(name)
        if (m === null || alive(Number(m[1]))) continue
        rmSync(join(root, name), { force: true })
        removed.push(join(root, name))
      }
    } catch {
      // gone meanwhile
    }
  }
  return removed
}

/** Every gateway's copies directory on this host that is a real directory of this user's. */
function ownCopyRoots(): string[] {
  if (!existsSync(MEMORY_DIR)) return []
  const uid = process.getuid?.()
  return readdirSync(MEMORY_DIR)
    .filter((dir) => dir.startsWith(HOST_COPIES_PREFIX))
    .map((dir) => join(MEMORY_DIR, dir))
    .filter((root) => {
      try {
        const st = lstatSync(root)
        return st.isDirectory() && (uid === undefined || st.uid === uid)
      } catch {
        return false
      }
    })
}

/**
 * Removes the copies of a key from every gateway's directory of this user on the host: what
 * destroys a key (an erasure, an opt-out's re-issue) calls it, so the plaintext goes with the key
 * even when no gateway runs to prune it. Sandboxes still mounting it keep reading it until their
 * gateway ends them. Returns the paths removed.
 */
export function removeCopiesOfKey(keyId: string): string[] {
  if (!KEY_ID.test(keyId)) return []
  const removed: string[] = []
  for (const root of ownCopyRoots()) {
    try {
      unlinkSync(join(root, `${keyId}${SUFFIX}`))
      removed.push(join(root, `${keyId}${SUFFIX}`))
    } catch {
      // no copy there
    }
  }
  return removed
}
