import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import { ConfigError } from '../errors.js'
import { DEFAULT_ADMISSION } from '../sessions/admission.js'

/** The repository root, found from this file whether it runs from src/ (tsx) or dist/ (built). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

/**
 * Where `scripts/install.sh` puts the demo's SoftHSM2 token: its configuration and user PIN, outside
 * the data directory (a copy of the data directory must not carry what opens it).
 */
export const DEMO_HSM_DIR = resolve(PROJECT_ROOT, '.hsm')
export const DEMO_PIN_FILE = resolve(DEMO_HSM_DIR, 'pin')
export const DEMO_SOFTHSM_CONF = resolve(DEMO_HSM_DIR, 'softhsm2.conf')

export const Config = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, description: 'state store, keys and audit (VRE_DATA_DIR)' }),
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    policyFile: Type.String({ minLength: 1 }),
    webRoot: Type.Union([Type.String(), Type.Null()], { description: 'built web app to serve, or null' }),
    jwtSecret: Type.Optional(Type.String()),
    keyProvider: Type.Union([Type.Literal('pkcs11'), Type.Literal('file')], {
      description: 'where the keys live (VRE_KEY_PROVIDER): a PKCS#11 token, or a file for development only'
    }),
    pkcs11Module: Type.String({ minLength: 1, description: 'the PKCS#11 module (VRE_PKCS11_MODULE)' }),
    pkcs11Token: Type.String({ minLength: 1, description: 'the label of the token holding the keys (VRE_PKCS11_TOKEN)' }),
    pkcs11PinFile: Type.Optional(Type.String({ description: "a file holding the token's user PIN (VRE_PKCS11_PIN_FILE)" })),
    pkcs11Pin: Type.Optional(Type.String({ description: "the token's user PIN (VRE_PKCS11_PIN); a file is better" })),
    fileKeys: Type.Optional(
      Type.String({ description: 'development key file, outside the data directory (VRE_FILE_KEYS)' })
    ),
    timeZone: Type.String({ description: 'dates of certifications and projects are days in this zone' }),
    trustProxy: Type.Union(
      [Type.Literal(false), Type.Integer({ minimum: 1, maximum: 10 }), Type.Array(Type.String())],
      {
        description: 'proxies whose X-Forwarded-For is believed: none, a hop count, or their addresses'
      }
    ),
    allowedOrigins: Type.Array(Type.String({ pattern: '^https?://[^/]+$' }), {
      description:
        "origins (scheme://host[:port]) whose pages may open terminal WebSockets, besides the gateway's own (VRE_ALLOWED_ORIGINS)"
    }),
    baseUrl: Type.Optional(
      Type.String({
        pattern: '^https?://[^/?#]+(/[^?#]*)?$',
        description:
          'where people reach the gateway, for the enrolment links it issues (VRE_BASE_URL); otherwise the address a request came to'
      })
    ),
    admission: Type.Object(
      {
        reserveMiB: Type.Integer({ minimum: 0, description: 'memory kept free for the host (VRE_ADMISSION_RESERVE_MIB)' }),
        sandboxMiB: Type.Integer({ minimum: 1, description: 'what a new idle sandbox needs free (VRE_ADMISSION_SANDBOX_MIB)' }),
        reserveThreads: Type.Integer({ minimum: 0, description: 'tasks kept free for the host (VRE_ADMISSION_RESERVE_THREADS)' }),
        sandboxThreads: Type.Integer({ minimum: 1, description: 'tasks a new sandbox needs free (VRE_ADMISSION_SANDBOX_THREADS)' })
      },
      { additionalProperties: false, description: 'when the host refuses another sandbox (sessions/admission.ts)' }
    ),
    logLevel: Type.Union([
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent')
    ])
  },
  { additionalProperties: false }
)
export type Config = Static<typeof Config>

export type ConfigOverrides = Partial<Config>

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name]
  if (v === undefined || v === '') return undefined
  if (!/^\d+$/.test(v)) throw new ConfigError(`${name} must be a whole number, got "${v}"`)
  return Number(v)
}

/**
 * Which proxies' X-Forwarded-For to believe. "true" is refused: trusting every hop lets any client
 * choose the address that rate limits and the audit log see.
 */
function parseTrustProxy(v: string | undefined): false | number | string[] {
  if (v === undefined || v === '' || v === 'false') return false
  if (v === 'true') {
    throw new ConfigError(
      'VRE_TRUST_PROXY=true would let any client choose its own address; give the number of proxy hops (e.g. 1) or their addresses (e.g. 10.0.0.5,10.0.0.6)'
    )
  }
  if (/^\d+$/.test(v)) return Number(v)
  return v
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '')
}

/**
 * One configuration, read once at boot from defaults, then the environment, then explicit overrides
 * (command-line flags), and checked as a whole; a bad value stops the gateway with a sentence.
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const defaultWeb = resolve(PROJECT_ROOT, 'web', 'dist')
  const merged = {
    dataDir: resolve(env.VRE_DATA_DIR || resolve(PROJECT_ROOT, 'var')),
    host: env.VRE_HOST || '127.0.0.1',
    port: envInt(env, 'VRE_PORT') ?? 8080,
    policyFile: resolve(env.VRE_POLICY_FILE || resolve(PROJECT_ROOT, 'policies', 'default.yaml')),
    webRoot: env.VRE_WEB_ROOT || (existsSync(resolve(defaultWeb, 'index.html')) ? defaultWeb : null),
    jwtSecret: env.VRE_JWT_SECRET || undefined,
    keyProvider: env.VRE_KEY_PROVIDER || 'pkcs11',
    pkcs11Module: env.VRE_PKCS11_MODULE || '/usr/lib/softhsm/libsofthsm2.so',
    pkcs11Token: env.VRE_PKCS11_TOKEN || 'vre',
    // the demo token's PIN file only for the demo token, and only when no PIN is given otherwise
    pkcs11PinFile:
      env.VRE_PKCS11_PIN_FILE ||
      (env.VRE_PKCS11_PIN === undefined && (env.VRE_PKCS11_TOKEN ?? 'vre') === 'vre' && existsSync(DEMO_PIN_FILE)
        ? DEMO_PIN_FILE
        : undefined),
    pkcs11Pin: env.VRE_PKCS11_PIN || undefined,
    fileKeys: env.VRE_FILE_KEYS || undefined,
    timeZone: env.VRE_TIME_ZONE || 'Asia/Tokyo',
    trustProxy: parseTrustProxy(env.VRE_TRUST_PROXY),
    allowedOrigins: (env.VRE_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== ''),
    baseUrl: env.VRE_BASE_URL || undefined,
    admission: {
      reserveMiB: envInt(env, 'VRE_ADMISSION_RESERVE_MIB') ?? DEFAULT_ADMISSION.reserveMiB,
      sandboxMiB: envInt(env, 'VRE_ADMISSION_SANDBOX_MIB') ?? DEFAULT_ADMISSION.sandboxMiB,
      reserveThreads: envInt(env, 'VRE_ADMISSION_RESERVE_THREADS') ?? DEFAULT_ADMISSION.reserveThreads,
      sandboxThreads: envInt(env, 'VRE_ADMISSION_SANDBOX_THREADS') ?? DEFAULT_ADMISSION.sandboxThreads
    },
    logLevel: env.VRE_LOG_LEVEL || 'info',
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined))
  }
  for (const k of ['jwtSecret', 'pkcs11PinFile', 'pkcs11Pin', 'fileKeys'] as const) {
    if (merged[k] === undefined) delete merged[k]
  }
  if (merged.baseUrl === undefined) delete merged.baseUrl
  if (!Value.Check(Config, merged)) {
    const problems = [...Value.Errors(Config, merged)].map((e) => `${e.instancePath || '(config)'}: ${e.message}`)
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`)
  }
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: merged.timeZone })
  } catch {
    throw new ConfigError(`VRE_TIME_ZONE "${merged.timeZone}" is not a known time zone`)
  }
  return { ...merged, dataDir: resolve(merged.dataDir) }
}
