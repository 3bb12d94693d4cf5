import type { Command } from 'commander'
import { encryptDataDir } from '../../keys/migration/encrypt-data-dir.js'
import { actor, config } from '../data-dir.js'
import { dataDirOption, type DataDirOpts } from '../options.js'

/** `vre data encrypt`: a data directory from before encryption at rest, moved under the key provider. */
export function registerDataCommands(cli: Command): void {
  const data = cli.command('data').description('the data directory')
  data
    .command('encrypt')
    .description(
      'encrypt a plaintext data directory in place (keys into the key provider, the state database, every file); ' +
        'stop the gateway first; an interrupted run continues where it stopped'
    )
    .addOption(dataDirOption())
    .action(async (opts: DataDirOpts) => {
      const cfg = config(opts)
      const result = await encryptDataDir(cfg, { actor: actor(), say: (line) => console.log(line) })
      if (!result.changed) {
        console.log(`${cfg.dataDir} is encrypted already: nothing to do`)
        return
      }
      const files = Object.entries(result.files).map(([kind, n]) => `${n} ${kind}`)
      console.log(
        `${cfg.dataDir} is encrypted: ${result.keysImported.length} key files imported and removed, ` +
          `state database ${result.stateDatabase ? 'encrypted' : 'already encrypted'}, files: ${files.length > 0 ? files.join(', ') : 'none'}`
      )
    })
}
