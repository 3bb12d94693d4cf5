import { InvalidArgumentError, Option } from 'commander'
import { ROLES, type Role } from '../schemas/identity.js'

export interface DataDirOpts {
  dataDir?: string
}
export interface ServeOpts extends DataDirOpts {
  port?: number
  host?: string
}

export const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')

export const port = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535')
  return Number(v)
}

export const roles = (v: string): Role[] => {
  const rs = list(v)
  for (const r of rs) {
    if (!(ROLES as readonly string[]).includes(r)) throw new InvalidArgumentError(`roles are ${ROLES.join(', ')}`)
  }
  return rs as Role[]
}

export const dataDirOption = () =>
  new Option('--data-dir <dir>', 'state store, keys and audit (env VRE_DATA_DIR, default var/)')
export const baseUrlOption = () =>
  new Option(
    '--base-url <url>',
    'where people reach the gateway, for the enrolment link (env VRE_BASE_URL, default http://HOST:PORT)'
  )
