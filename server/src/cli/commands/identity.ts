import { type Command, Option } from 'commander'
import { createAccountToEnrol, createOrganization, createProject } from '../../identity/accounts.js'
import { ROLES, type Role } from '../../schemas/identity.js'
import { actor, config, withStore } from '../data-dir.js'
import { baseUrlOption, dataDirOption, type DataDirOpts, list, roles } from '../options.js'

/**
 * Creates an account without credentials and prints the single-use link with which the person
 * sets their own password and authenticator: the operator never learns either. Whoever runs this
 * on the host holds the data directory, so no second administrator is asked (bootstrapping).
 */
async function addUser(
  opts: DataDirOpts & { username: string; displayName: string; org?: string; roles: Role[]; baseUrl?: string }
) {
  const cfg = config(opts)
  const baseUrl = opts.baseUrl ?? cfg.baseUrl ?? `http://${cfg.host}:${cfg.port}`
  await withStore(opts, async (store) => {
    const created = await createAccountToEnrol(
      store,
      { username: opts.username, displayName: opts.displayName, organization: opts.org ?? null, roles: opts.roles },
      { at: new Date(), baseUrl },
      { actor: actor(), sourceIp: null },
      { via: 'host command line' }
    )
    console.log(`created ${created.user.username} (${created.user.roles.join(', ')})`)
    console.log(`enrolment link: ${created.enrolment.url}`)
    console.log(`valid until:    ${created.enrolment.expiresAt} (single use)`)
    console.log(
      'Hand the link to the person over a separate channel: with it they set their own password and add their authenticator. Nobody else learns either.'
    )
  })
}

/** `vre admin`, `vre user`, `vre org`, `vre project`: the people, organizations and projects. */
export function registerIdentityCommands(cli: Command): void {
  cli
    .command('admin')
    .description('administrator accounts')
    .command('create')
    .description('create an administrator account')
    .requiredOption('--username <name>')
    .option('--display-name <name>', 'name shown in the console', 'Administrator')
    .addOption(baseUrlOption())
    .addOption(dataDirOption())
    .action(async (opts: { username: string; displayName: string; baseUrl?: string } & DataDirOpts) => {
      await addUser({ ...opts, roles: ['admin'] })
    })

  cli
    .command('user')
    .description('user accounts')
    .command('add')
    .description('create a user account; prints the single-use link with which the person enrols')
    .requiredOption('--username <name>')
    .requiredOption('--display-name <name>')
    .requiredOption('--roles <roles>', `comma-separated: ${ROLES.join(', ')}`, roles)
    .option('--org <name>', 'organization (required for researchers)')
    .addOption(baseUrlOption())
    .addOption(dataDirOption())
    .action(async (opts) => addUser(opts))

  cli
    .command('org')
    .description('organizations and their Type II certification')
    .command('add')
    .description('register an organization with its Type II certification')
    .requiredOption('--name <name>')
    .requiredOption('--cert-number <number>', 'certification number, e.g. T2-0042')
    .requiredOption('--valid-from <date>', 'YYYY-MM-DD')
    .requiredOption('--valid-to <date>', 'YYYY-MM-DD')
    .addOption(new Option('--status <status>').choices(['active', 'suspended', 'revoked']).default('active'))
    .addOption(dataDirOption())
    .action(async (opts) => {
      await withStore(opts, async (store) => {
        const org = await createOrganization(
          store,
          {
            name: opts.name,
            certificationNumber: opts.certNumber,
            validFrom: opts.validFrom,
            validTo: opts.validTo,
            status: opts.status
          },
          { actor: actor(), sourceIp: null }
        )
        console.log(`created organization ${org.name} with certification ${opts.certNumber}`)
      })
    })

  cli
    .command('project')
    .description('research projects')
    .command('add')
    .description('register an approved research project')
    .requiredOption('--title <title>')
    .requiredOption('--purpose <text>')
    .requiredOption('--approval-ref <ref>', 'ethics / data-use approval reference')
    .requiredOption('--start <date>', 'YYYY-MM-DD')
    .requiredOption('--end <date>', 'YYYY-MM-DD')
    .option('--members <usernames>', 'comma-separated', list, [])
    .option('--datasets <names>', 'comma-separated', list, [])
    .addOption(dataDirOption())
    .action(async (opts) => {
      await withStore(opts, async (store) => {
        const p = await createProject(
          store,
          {
            title: opts.title,
            purpose: opts.purpose,
            approvalReference: opts.approvalRef,
            startDate: opts.start,
            endDate: opts.end,
            members: opts.members,
            datasets: opts.datasets
          },
          { actor: actor(), sourceIp: null }
        )
        console.log(`created project ${p.title} (${p.startDate} to ${p.endDate})`)
      })
    })
}
