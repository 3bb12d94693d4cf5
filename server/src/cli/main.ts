import { Command } from 'commander'
import { ConfigError } from '../errors.js'
import { InvalidInput } from '../identity/accounts.js'
import { registerAuditCommands } from './commands/audit.js'
import { registerDatasetCommands } from './commands/dataset.js'
import { registerDataCommands } from './commands/data.js'
import { registerIdentityCommands } from './commands/identity.js'
import { registerKeyCommands } from './commands/keys.js'
import { registerServeCommands } from './commands/serve.js'

/** The `vre` command line: each group of commands lives in its own module under commands/. */
export function program(): Command {
  const cli = new Command('vre')
    .description('Visiting Research Environment gateway and administration')
    .showHelpAfterError()
  registerServeCommands(cli)
  registerIdentityCommands(cli)
  registerDatasetCommands(cli)
  registerAuditCommands(cli)
  // after the identity commands: erasure-report joins their `vre project`
  registerKeyCommands(cli)
  registerDataCommands(cli)
  return cli
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv)
  } catch (err) {
    if (err instanceof ConfigError || err instanceof InvalidInput) {
      console.error(`vre: ${err.message}`)
      process.exit(2)
    }
    throw err
  }
}
