/**
 * Attacks on admission control (admission.ts): does it fail closed on what it can't read, and does
 * it count what a start will take? Written by a security review against the first version; each test asserts the defence that now holds.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { admissionRefusal, DEFAULT_ADMISSION, readHost } from './admission.js'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function fakeProc(threadsMax: string, pidMax = '4194304', tasks = '1/500'): string {
  const d = mkdtempSync(join(tmpdir(), 'vre-proc-'))
  dirs.push(d)
  mkdirSync(join(d, 'sys/kernel'), { recursive: true })
  writeFileSync(join(d, 'meminfo'), 'MemTotal:       16000000 kB\nMemAvailable:    8000000 kB\n')
  writeFileSync(join(d, 'loadavg'), `0.00 0.00 0.00 ${tasks} 12345\n`)
  writeFileSync(join(d, 'sys/kernel/threads-max'), threadsMax)
  writeFileSync(join(d, 'sys/kernel/pid_max'), pidMax)
  return d
}

describe('attacks on admission control', () => {
  it('(g) a task limit it cannot parse refuses the start (fail closed), not admits it', () => {
    for (const odd of ['', 'max\n', 'garbage']) {
      let refusal: string | null
      try {
        refusal = admissionRefusal(readHost(fakeProc(odd)), DEFAULT_ADMISSION)
      } catch (err) {
        refusal = (err as Error).message
      }
      expect(refusal, `threads-max ${JSON.stringify(odd)} read as NaN: the task check passes`).not.toBeNull()
    }
  })

  it('(g) a host whose task count is at its limit is refused (control: the check works on sane figures)', () => {
    expect(admissionRefusal(readHost(fakeProc('3000', '4194304', '1/2900')), DEFAULT_ADMISSION)).not.toBeNull()
  })
})
