import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import type { AuditRecord } from '../../audit/record.js'
import { InvalidInput } from '../../identity/accounts.js'
import { erasureReport } from '../../keys/erasure/report.js'
import { type Keyring, PROTECTS } from '../../keys/keyring.js'
import { actor, withStore } from '../data-dir.js'
import { dataDirOption, type DataDirOpts } from '../options.js'

/** Each key of the data directory and the audit signing key, as `vre keys status` shows them. */
export function keyStatus(keyring: Keyring) {
  return {
    provider: { kind: keyring.provider.kind, description: keyring.provider.description },
    auditSigning: {
      label: keyring.signingLabel,
      createdAt: keyring.signingCreatedAt,
      publicKey: keyring.auditPublicKey.export({ type: 'spki', format: 'pem' }).toString()
    },
    keys: keyring.entries().map((e) => ({
      id: e.id,
      purpose: e.purpose,
      scope: e.scope,
      protects: PROTECTS[e.purpose],
      kek: e.kek,
      createdAt: e.createdAt,
      rotatedAt: e.rotatedAt ?? null,
      destroyedAt: e.destroyedAt ?? null
    }))
  }
}

function printStatus(s: ReturnType<typeof keyStatus>): void {
  console.log(`key provider: ${s.provider.kind} (${s.provider.description})`)
  console.log(`audit signing key: ${s.auditSigning.label}, made ${s.auditSigning.createdAt}, held in the provider`)
  for (const k of s.keys) {
    const state =
      k.destroyedAt !== null
        ? `DESTROYED ${k.destroyedAt}`
        : k.rotatedAt !== null
          ? `live, rotated ${k.rotatedAt}`
          : 'live'
    console.log(`${k.id}  ${k.purpose}${k.scope === '' ? '' : ` ${k.scope}`}  made ${k.createdAt}  ${state}`)
    console.log(`    protects ${k.protects}`)
  }
}

/** `vre keys status|rotate` and `vre project erasure-report`. */
export function registerKeyCommands(cli: Command): void {
  const keys = cli.command('keys').description('the data keys and the key provider that holds them')
  keys
    .command('status')
    .description('list each key, what it protects, and when it was made, rotated or destroyed')
    .option('--json', 'print JSON')
    .addOption(dataDirOption())
    .action(async (opts: DataDirOpts & { json?: boolean }) => {
      await withStore(opts, async (_store, k) => {
        const s = keyStatus(k.keyring)
        if (opts.json) console.log(JSON.stringify(s, null, 1))
        else printStatus(s)
      })
    })
  keys
    .command('rotate')
    .description(
      'wrap every live data key under a new key-encryption key and destroy the old ones; data files stay as they are'
    )
    .addOption(dataDirOption())
    .action(async (opts: DataDirOpts) => {
      await withStore(opts, async (store, k) => {
        const live = k.keyring.entries().filter((e) => e.destroyedAt === undefined)
        // recorded first: a log that cannot be written stops the rotation
        await store.appendAudit({
          actor: actor(),
          action: 'keys.rotated',
          sourceIp: null,
          target: null,
          outcome: 'success',
          details: { keys: live.map((e) => e.id), retiredKeks: live.map((e) => e.kek) }
        })
        const rotated = k.keyring.rotate()
        console.log(`rotated ${rotated.length} keys; the old key-encryption keys are destroyed`)
      })
    })

  // `vre project` is registered by the identity commands; erasure-report joins it
  const project =
    cli.commands.find((c) => c.name() === 'project') ?? cli.command('project').description('research projects')
  project
    .command('erasure-report <project>')
    .description(
      "print a signed statement of a project's erasure: the keys destroyed, the records of it, the files deleted"
    )
    .option('--out <file>', 'write it to a file rather than print it')
    .addOption(dataDirOption())
    .action(async (ref: string, opts: DataDirOpts & { out?: string }) => {
      await withStore(opts, async (store, k) => {
        const p = (await store.getProject(ref)) ?? (await store.getProjectByTitle(ref))
        if (p === null) throw new InvalidInput(`no project ${ref} (give its id or title)`)
        let erased: AuditRecord | undefined
        for await (const r of store.auditRecords()) if (r.action === 'project.erased' && r.target === p.id) erased = r
        if (erased === undefined) throw new InvalidInput(`the project "${p.title}" has not been erased`)
        const text = JSON.stringify(erasureReport(p, erased, k.keyring, k.auditSigner, new Date()), null, 1)
        if (opts.out !== undefined) writeFileSync(opts.out, `${text}\n`, { flag: 'wx' })
        else console.log(text)
      })
    })
}
