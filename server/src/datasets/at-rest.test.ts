import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MEMORY_DIR, memoryDir, sweepMemoryLeftovers, withMemoryDir } from './at-rest.js'

const made: string[] = []
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** The id of a process that ran and ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(child.stdout)
}

describe('memory-backed storage for plaintext', () => {
  it('makes owner-only directories named with the process id, removed after use even on failure', async () => {
    const dir = memoryDir('test')
    made.push(dir)
    expect(dir.startsWith(`${MEMORY_DIR}/vre-test-${process.pid}-`)).toBe(true)
    let inside = ''
    await expect(
      withMemoryDir('test', async (d) => {
        inside = d
        writeFileSync(join(d, 'plain.duckdb'), 'plaintext')
        throw new Error('the work failed')
      })
    ).rejects.toThrow('the work failed')
    expect(existsSync(inside)).toBe(false)
  })

  it("sweeps what a killed process left, and never a running process's directory", () => {
    const dead = join(MEMORY_DIR, `vre-dataset-${deadPid()}-abc123`)
    const mine = join(MEMORY_DIR, `vre-dataset-${process.pid}-def456`)
    const unrelated = join(MEMORY_DIR, 'not-ours-999999')
    for (const d of [dead, mine, unrelated]) {
      mkdirSync(d, { recursive: true })
      writeFileSync(join(d, 'dataset.duckdb'), 'plaintext')
      made.push(d)
    }
    const removed = sweepMemoryLeftovers()
    expect(removed).toContain(dead)
    expect(existsSync(dead)).toBe(false)
    expect(existsSync(mine)).toBe(true)
    expect(existsSync(unrelated)).toBe(true)
  })
})
