import { join } from 'node:path'
import { type Command, Option } from 'commander'
import { CREDENTIALS_FILE, seedDemo } from '../../demo/seed.js'
import { start } from '../../server.js'
import { config } from '../data-dir.js'
import { dataDirOption, port, type ServeOpts } from '../options.js'

/** `vre serve` and `vre demo`: the two ways to run the gateway. */
export function registerServeCommands(cli: Command): void {
  const serveOptions = (c: Command) =>
    c
      .addOption(new Option('--port <port>', 'port to listen on (env VRE_PORT, default 8080)').argParser(port))
      .addOption(new Option('--host <host>', 'address to listen on (env VRE_HOST, default 127.0.0.1)'))
      .addOption(dataDirOption())

  serveOptions(cli.command('serve').description('run the gateway')).action(async (opts: ServeOpts) => {
    await start(config(opts))
  })

  serveOptions(
    cli.command('demo').description('seed demo organizations, accounts and a project, then run the gateway')
  ).action(async (opts: ServeOpts) => {
    const cfg = config(opts)
    await start(cfg, async (app) => {
      const { created, credentials: creds } = await seedDemo(app.store, app.keys, cfg.dataDir, {
        now: new Date(),
        timeZone: cfg.timeZone,
        withDataset: true
      })
      console.log('')
      console.log(
        `VRE demo ${created.length > 0 ? `seeded (${created.join(', ')})` : 'data reused'}: http://${cfg.host}:${cfg.port}/`
      )
      // kept sealed under the state key in the data directory, so they are printed here each time the demo starts
      console.log(`Accounts, passwords and TOTP secrets (kept sealed in ${join(cfg.dataDir, CREDENTIALS_FILE)}):`)
      for (const [name, c] of Object.entries(creds))
        console.log(`  ${name.padEnd(12)} password ${c.password}  TOTP ${c.totpSecret}`)
      console.log('Add a TOTP secret to an authenticator app (or: oathtool --totp -b SECRET) to get the 6-digit code.')
      console.log('')
    })
  })
}
