/**
 * Display detection benchmark: what the monitor pays to look at every byte that reaches a screen.
 *   - fingerprintFile on a 200 MB random file (on its worker thread, from the call to the answer),
 *     and the same sampling on this thread, timed by CPU as well (the machine may be shared);
 *   - the encoded-output scanner and the fingerprint matcher together on 10 MiB of base64 output
 *     (wrapped at 76, CRLF) of a slice of that file, in 64 KiB chunks, as the monitor feeds them:
 *     the raw output, then each decoded piece as a stream of its own;
 *   - each alone: the scanner on ordinary terminal text, the matcher on raw unrelated bytes.
 *
 *   npx tsx bench/display-detect.ts [--file-mb 200] [--output-mib 10]
 * Writes bench/results/display-detect.json.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PROJECT_ROOT } from '../server/src/config/config.js'
import { EncodedOutputScanner } from '../server/src/display/detect/encoded.js'
import { sampleFile } from '../server/src/display/detect/fingerprint-sampler.js'
import { FingerprintMatcher, fingerprintFile } from '../server/src/display/detect/fingerprints.js'

const { values } = parseArgs({
  options: {
    'file-mb': { type: 'string', default: '200' },
    'output-mib': { type: 'string', default: '10' }
  }
})
const fileBytes = Number(values['file-mb']) * 1e6
const outputBytes = Number(values['output-mib']) * 2 ** 20

const dir = mkdtempSync(join(tmpdir(), 'vre-bench-detect-'))
const path = join(dir, 'dataset.bin')
writeFileSync(path, randomBytes(fileBytes))

const round = (x: number) => Math.round(x * 10) / 10
const mbPerS = (bytes: number, ms: number) => round(bytes / 1e6 / (ms / 1000))
/** Wall and CPU milliseconds of `run`, best of `times` (the first run also warms the JIT). */
async function timed<T>(
  times: number,
  run: () => T | Promise<T>
): Promise<{ wallMs: number; cpuMs: number; value: T }> {
  let best: { wallMs: number; cpuMs: number; value: T } | null = null
  for (let i = 0; i < times; i++) {
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const value = await run()
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const cpuMs = (cpu.user + cpu.system) / 1000
    if (best === null || wallMs < best.wallMs) best = { wallMs, cpuMs, value }
  }
  return best!
}

// the worker's CPU is not this thread's: only its wall time is meaningful
const worker = await timed(3, () => fingerprintFile(path, 'dataset'))
const inline = await timed(3, () => sampleFile(path, 'dataset', fileBytes, undefined, 1024 * 1024))
const prints = worker.value

const file = readFileSync(path)
const slice = file.subarray(fileBytes / 2, fileBytes / 2 + Math.ceil((outputBytes * 3) / 4))
const output = Buffer.from(slice.toString('base64').replace(/(.{76})/g, '$1\r\n')).subarray(0, outputBytes)
const chunks = (bytes: Buffer) =>
  Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) => bytes.subarray(i * 65536, (i + 1) * 65536))

const both = await timed(3, () => {
  const scanner = new EncodedOutputScanner()
  const matcher = new FingerprintMatcher([prints])
  let encoded = 0
  let pieces = 0
  let decodedBytes = 0
  const look = (decoded: Buffer[]) => {
    for (const d of decoded) {
      matcher.feed(d, `decoded:${pieces++}`)
      decodedBytes += d.length
    }
  }
  for (const c of chunks(output)) {
    const found = scanner.feed(c)
    encoded += found.encodedBytes
    matcher.feed(c, 'terminal')
    look(found.decoded)
  }
  const last = scanner.flush()
  encoded += last.encodedBytes
  look(last.decoded)
  return { encoded, decodedBytes, matches: matcher.matches().dataset! }
})

const ordinary = Buffer.from(
  Array.from(
    { length: Math.ceil(outputBytes / 400) },
    (_, i) =>
      `-rw-r--r-- 1 researcher researcher ${String(1000 + i * 37).padStart(8)} Apr  1 10:02 table_${i}.csv\r\n` +
      `${i}  P${String(12345 + i).padStart(10, '0')}   67   M   13   7.2   58.1   True   2016-04-01\r\n` +
      `\x1b[1;31mWARNING\x1b[0m fold ${i}: model did not converge after 100 iterations (tol=1e-8)\r\n` +
      `患者数 ${i} 名、入院率 ${(i % 100) / 10}‰（2015年4月〜2024年3月）\r\n`
  ).join('')
).subarray(0, outputBytes)
const scanOnly = await timed(3, () => {
  const scanner = new EncodedOutputScanner()
  let encoded = 0
  for (const c of chunks(ordinary)) encoded += scanner.feed(c).encodedBytes
  return encoded + scanner.flush().encodedBytes
})
const unrelated = randomBytes(outputBytes)
const matchOnly = await timed(3, () => {
  const matcher = new FingerprintMatcher([prints])
  for (const c of chunks(unrelated)) matcher.feed(c, 'terminal')
  return matcher.matches().dataset!
})
rmSync(dir, { recursive: true, force: true })

const result = {
  benchmark: 'display-detect',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
  fingerprintFile: {
    fileBytes,
    fingerprints: prints.hashes.length,
    modulus: prints.modulus,
    workerWallMs: round(worker.wallMs),
    workerMBps: mbPerS(fileBytes, worker.wallMs),
    inlineWallMs: round(inline.wallMs),
    inlineCpuMs: round(inline.cpuMs),
    inlineCpuMBps: mbPerS(fileBytes, inline.cpuMs)
  },
  scannerAndMatcherOnBase64: {
    outputBytes: output.length,
    encodedBytes: both.value.encoded,
    decodedBytes: both.value.decodedBytes,
    matches: both.value.matches,
    wallMBps: mbPerS(output.length, both.wallMs),
    cpuMBps: mbPerS(output.length, both.cpuMs)
  },
  scannerOnOrdinaryText: {
    outputBytes: ordinary.length,
    encodedBytes: scanOnly.value,
    wallMBps: mbPerS(ordinary.length, scanOnly.wallMs),
    cpuMBps: mbPerS(ordinary.length, scanOnly.cpuMs)
  },
  matcherOnUnrelatedBytes: {
    outputBytes: unrelated.length,
    matches: matchOnly.value,
    wallMBps: mbPerS(unrelated.length, matchOnly.wallMs),
    cpuMBps: mbPerS(unrelated.length, matchOnly.cpuMs)
  }
}
const f = result.fingerprintFile
const b = result.scannerAndMatcherOnBase64
console.log(
  `fingerprintFile, ${fileBytes / 1e6} MB: ${f.fingerprints} fingerprints (modulus ${f.modulus}); worker ${f.workerWallMs} ms = ${f.workerMBps} MB/s; on this thread ${f.inlineCpuMBps} MB/s of CPU`
)
console.log(
  `scanner + matcher, ${round(b.outputBytes / 2 ** 20)} MiB of base64: ${b.wallMBps} MB/s (${b.cpuMBps} MB/s of CPU); ${b.encodedBytes} bytes encoded, ${b.decodedBytes} decoded, ${b.matches} fingerprints matched`
)
console.log(
  `scanner alone on ordinary text: ${result.scannerOnOrdinaryText.cpuMBps} MB/s of CPU (${result.scannerOnOrdinaryText.encodedBytes} bytes encoded); matcher alone on unrelated bytes: ${result.matcherOnUnrelatedBytes.cpuMBps} MB/s of CPU (${result.matcherOnUnrelatedBytes.matches} matches)`
)
console.log(`load average ${result.machine.loadavg.join(' ')} on ${result.machine.cpus} CPUs`)
const out = resolve(PROJECT_ROOT, 'bench', 'results')
mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'display-detect.json'), `${JSON.stringify(result, null, 2)}\n`)
