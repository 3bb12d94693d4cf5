import type { SandboxStats } from './driver.js'

/** The part of the engine's one-shot stats the driver reads. */
export interface EngineStats {
  memory_stats: { usage?: number; stats?: Record<string, number> }
  cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number; online_cpus?: number }
  precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number }
  pids_stats?: { current?: number; limit?: number }
}

/**
 * A sandbox's use from the engine's stats. Memory leaves out the page cache the kernel can drop
 * (as `docker stats` does), so a sandbox that read a large file is not shown near its limit.
 */
export function sandboxStatsOf(s: EngineStats): SandboxStats {
  const cache = s.memory_stats.stats?.inactive_file ?? s.memory_stats.stats?.cache ?? 0
  const memoryBytes = Math.max(0, (s.memory_stats.usage ?? 0) - cache)
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage
  const sysDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0)
  const cpuPercent = sysDelta > 0 ? (cpuDelta / sysDelta) * (s.cpu_stats.online_cpus ?? 1) * 100 : 0
  return { memoryBytes, cpuPercent, pids: s.pids_stats?.current ?? 0, pidsLimit: s.pids_stats?.limit ?? null }
}
