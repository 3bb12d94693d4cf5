import { describe, expect, it } from 'vitest'
import { sandboxStatsOf } from './docker-stats.js'

const base = {
  memory_stats: { usage: 500, stats: { inactive_file: 200 } },
  cpu_stats: { cpu_usage: { total_usage: 300 }, system_cpu_usage: 2000, online_cpus: 2 },
  precpu_stats: { cpu_usage: { total_usage: 100 }, system_cpu_usage: 1000 },
  pids_stats: { current: 7, limit: 256 }
}

describe('sandboxStatsOf', () => {
  it('counts memory without the droppable page cache, and CPU across the online CPUs', () => {
    expect(sandboxStatsOf(base)).toEqual({ memoryBytes: 300, cpuPercent: 40, pids: 7, pidsLimit: 256 })
  })

  it("falls back to cgroup v1's cache figure and never reports negative memory", () => {
    expect(sandboxStatsOf({ ...base, memory_stats: { usage: 100, stats: { cache: 400 } } }).memoryBytes).toBe(0)
  })

  it('reports no CPU use on the first sample, and no pids limit when the engine sets none', () => {
    const first = sandboxStatsOf({
      ...base,
      precpu_stats: { cpu_usage: { total_usage: 0 } },
      cpu_stats: { cpu_usage: { total_usage: 0 } },
      pids_stats: {}
    })
    expect(first).toEqual({ memoryBytes: 300, cpuPercent: 0, pids: 0, pidsLimit: null })
  })
})
