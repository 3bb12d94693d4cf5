import { createPublicKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import type { AuditCheckpoint } from '../../audit/checkpoint.js'
import { verifyExport } from '../../audit/export.js'
import { verifyChain } from '../../audit/verify.js'
import { checkReportAgainst, checkReportSignature } from '../../keys/erasure/report.js'
import { InvalidInput } from '../../identity/accounts.js'
import { config, withAuditReader } from '../data-dir.js'
import { dataDirOption, type DataDirOpts } from '../options.js'

/** `vre audit`: the signed head, the chain check, the check of an exported slice and of an erasure report. */
export function registerAuditCommands(cli: Command): void {
  const audit = cli.command('audit').description('the tamper-evident audit log')
  audit
    .command('head')
    .description('print the signed head of the log; keep it elsewhere and pass it to verify --head later')
    .addOption(dataDirOption())
    .action(async (opts: DataDirOpts) => {
      await withAuditReader(config(opts), async (store) => {
        const head = (await store.auditCheckpoints()).sort((a, b) => a.seq - b.seq).at(-1)
        if (head === undefined) throw new InvalidInput('the audit log is empty')
        console.log(JSON.stringify(head))
      })
    })
  audit
    .command('public-key')
    .description('print the audit signing public key (PEM) for auditors; the private key stays in the key provider')
    .addOption(dataDirOption())
    .action(async (opts: DataDirOpts) => {
      await withAuditReader(config(opts), async (_store, keys) => {
        process.stdout.write(keys.auditPublicKey.export({ type: 'spki', format: 'pem' }).toString())
      })
    })
  audit
    .command('verify')
    .description('check the hash chain and signed checkpoints; exits 1 and names the first broken record')
    .option('--head <file>', 'a head printed earlier by `vre audit head`: the log must still hold it')
    .addOption(dataDirOption())
    .action(async (opts: DataDirOpts & { head?: string }) => {
      const cfg = config(opts)
      let witness: AuditCheckpoint | undefined
      if (opts.head !== undefined) {
        try {
          witness = JSON.parse(readFileSync(opts.head, 'utf8')) as AuditCheckpoint
        } catch (err) {
          throw new InvalidInput(`cannot read the kept head ${opts.head}: ${(err as Error).message}`)
        }
      }
      await withAuditReader(cfg, async (store, keys) => {
        const result = await verifyChain(
          store.auditRecords(),
          await store.auditCheckpoints(),
          keys.auditPublicKey,
          witness
        )
        if (result.ok) {
          console.log(`audit log intact: ${result.records} records, signed head at record ${result.headSeq}`)
        } else {
          console.error(
            `audit log BROKEN${result.firstBrokenSeq !== null ? ` at record ${result.firstBrokenSeq}` : ''}: ${result.reason}`
          )
          process.exitCode = 1
        }
      })
    })
  audit
    .command('check-export <file>')
    .description("check an export from the audit console: the seal's signature, the lines it covers, the chain within")
    .requiredOption('--public-key <file>', 'the audit signing public key (PEM, from `vre audit public-key`)')
    .action((file: string, opts: { publicKey: string }) => {
      let key: KeyObject
      let text: string
      try {
        key = createPublicKey(readFileSync(opts.publicKey, 'utf8'))
        text = readFileSync(file, 'utf8')
      } catch (err) {
        throw new InvalidInput(`cannot read ${(err as Error).message}`)
      }
      const check = verifyExport(text, key)
      if (check.ok) {
        const s = check.seal
        console.log(
          `export intact: ${s.records} records${s.firstSeq === null ? '' : ` (${s.firstSeq} to ${s.lastSeq})`} ` +
            `from ${s.from} to ${s.to}, exported by ${s.exportedBy} at ${s.exportedAt}`
        )
      } else {
        console.error(`export BROKEN: ${check.reason}`)
        process.exitCode = 1
      }
    })
  audit
    .command('check-erasure <file>')
    .description(
      'check an erasure report (`vre project erasure-report`): its signature, and with --data-dir the log and keys it cites'
    )
    .requiredOption('--public-key <file>', 'the audit signing public key (PEM, from `vre audit public-key`)')
    .addOption(dataDirOption())
    .action(async (file: string, opts: DataDirOpts & { publicKey: string }) => {
      let key: KeyObject
      let text: string
      try {
        key = createPublicKey(readFileSync(opts.publicKey, 'utf8'))
        text = readFileSync(file, 'utf8')
      } catch (err) {
        throw new InvalidInput(`cannot read ${(err as Error).message}`)
      }
      const { report, problem } = checkReportSignature(text, key)
      if (problem !== null || report === null) {
        console.error(`erasure report BROKEN: ${problem}`)
        process.exitCode = 1
        return
      }
      const s = report.statement
      const problems: string[] = []
      if (opts.dataDir !== undefined) {
        await withAuditReader(config(opts), async (store, keys) => {
          if (!keys.auditPublicKey.equals(key)) {
            problems.push("the public key given is not this data directory's audit signing key (`vre audit public-key`)")
          }
          const chain = await verifyChain(store.auditRecords(), await store.auditCheckpoints(), key)
          if (!chain.ok) problems.push(`the audit log is broken: ${chain.reason}`)
          problems.push(...(await checkReportAgainst(report, store.auditRecords(), keys.keyring)))
        })
      }
      if (problems.length > 0) {
        for (const p of problems) console.error(`erasure report BROKEN: ${p}`)
        process.exitCode = 1
        return
      }
      console.log(
        `erasure report intact: project "${s.project.title}" erased ${s.erasedAt}, ${s.keys.length} keys destroyed, ` +
          `${s.files.length} files deleted${opts.dataDir !== undefined ? '; the log and the key provider agree' : ' (signature only: pass --data-dir to check the log and keys)'}`
      )
    })
}
