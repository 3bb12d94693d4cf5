import { createHash, createPublicKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto'
import { existsSync } from 'node:fs'
// the default import: pkcs11js is CommonJS whose names Node's ESM loader cannot see, so `import * as`
// leaves its constants undefined outside a bundler (the CLI then asks for a parallel session)
import pkcs11js from 'pkcs11js'
import { ED25519_SPKI_PREFIX, type KeyProvider, KeyProviderError } from './key-provider.js'

/** CKM_EC_EDWARDS_KEY_PAIR_GEN and CKM_EDDSA (PKCS#11 3.0); pkcs11js has no names for them yet */
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055
const CKM_EDDSA = 0x1057
const CKK_EC_EDWARDS = 0x40
/** DER of the Ed25519 curve OID 1.3.101.112 */
const ED25519_PARAMS = Buffer.from('06032b6570', 'hex')
const CKR_USER_ALREADY_LOGGED_IN = 0x100
const CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191
const CKR_PIN_INCORRECT = 0xa0
const CKR_PIN_LEN_RANGE = 0xa2
const CKR_PIN_LOCKED = 0xa4

export interface Pkcs11Options {
  /** path of the PKCS#11 module (.so) */
  module: string
  /** label of the token that holds our keys */
  token: string
  pin: string
}

/**
 * One loaded module per process: PKCS#11 allows C_Initialize once, and a login holds for every
 * session of the application. Providers share it and the last one to close logs out.
 */
interface Loaded {
  lib: pkcs11js.PKCS11
  users: number
  /** token label -> digest of the PIN it was logged in with (a login holds for the whole process) */
  loggedIn: Map<string, Buffer>
}

const pinDigest = (pin: string) => createHash('sha256').update(pin, 'utf8').digest()
const loaded = new Map<string, Loaded>()

function code(e: unknown): number | undefined {
  const m = /CKR_\w+:(\d+)/.exec(String((e as Error)?.message ?? e))
  return m ? Number(m[1]) : (e as { code?: number })?.code
}

const CKR_GENERAL_ERROR = 0x5
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * Runs a read of the token again when it fails with CKR_GENERAL_ERROR: SoftHSM2's file store can
 * answer so while another process (the CLI beside the gateway) is writing the token's files. A
 * fault that lasts is thrown as it is.
 */
function transient<T>(read: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return read()
    } catch (e) {
      if (code(e) !== CKR_GENERAL_ERROR || attempt >= 10) throw e
      pause(10 * attempt)
    }
  }
}

function describe(e: unknown): string {
  return String((e as Error)?.message ?? e)
}

/** A PKCS#11 token. AES KEKs and the Ed25519 signing key are token objects, sensitive and not extractable. */
export class Pkcs11Provider implements KeyProvider {
  readonly kind = 'pkcs11' as const
  readonly description: string
  private readonly lib: pkcs11js.PKCS11
  private readonly session: Buffer
  private readonly modulePath: string
  private readonly handles = new Map<string, Buffer>()
  private closed = false

  constructor(options: Pkcs11Options) {
    this.modulePath = options.module
    this.description = `PKCS#11 token "${options.token}" (${options.module})`
    if (!existsSync(options.module)) {
      throw new KeyProviderError(`the PKCS#11 module ${options.module} is not installed (VRE_PKCS11_MODULE)`)
    }
    let entry = loaded.get(options.module)
    if (entry === undefined) {
      const lib = new pkcs11js.PKCS11()
      try {
        lib.load(options.module)
        try {
          lib.C_Initialize()
        } catch (e) {
          // a module left initialized in this process (test isolation reloads our code, not the library)
          if (code(e) !== CKR_CRYPTOKI_ALREADY_INITIALIZED) throw e
        }
      } catch (e) {
        throw new KeyProviderError(`the PKCS#11 module ${options.module} could not be started: ${describe(e)}`)
      }
      entry = { lib, users: 0, loggedIn: new Map() }
      loaded.set(options.module, entry)
    }
    this.lib = entry.lib
    const slot = this.findSlot(options.token)
    try {
      this.session = this.lib.C_OpenSession(slot, pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION)
    } catch (e) {
      this.release(entry)
      throw new KeyProviderError(`the token "${options.token}" refused a session: ${describe(e)}`)
    }
    const earlier = entry.loggedIn.get(options.token)
    try {
      // logged in already by another provider of this process: the PIN must still be the right one
      if (earlier !== undefined && !timingSafeEqual(earlier, pinDigest(options.pin))) {
        throw Object.assign(new Error('CKR_PIN_INCORRECT:160'), { code: CKR_PIN_INCORRECT })
      }
      if (earlier === undefined) {
        try {
          this.lib.C_Login(this.session, pkcs11js.CKU_USER, options.pin)
        } catch (e) {
          // logged in by a copy of this code we no longer see: log out and in again, so the PIN is checked
          if (code(e) !== CKR_USER_ALREADY_LOGGED_IN) throw e
          this.lib.C_Logout(this.session)
          this.lib.C_Login(this.session, pkcs11js.CKU_USER, options.pin)
        }
      }
      entry.loggedIn.set(options.token, pinDigest(options.pin))
    } catch (e) {
      const c = code(e)
      try {
        this.lib.C_CloseSession(this.session)
      } catch {
        // closing is best effort; the login failure is what matters
      }
      this.release(entry)
      if (c === CKR_PIN_INCORRECT || c === CKR_PIN_LEN_RANGE) {
        throw new KeyProviderError(`the token "${options.token}" refused the PIN (VRE_PKCS11_PIN or VRE_PKCS11_PIN_FILE)`)
      }
      if (c === CKR_PIN_LOCKED) throw new KeyProviderError(`the token "${options.token}" is locked: too many wrong PINs`)
      throw new KeyProviderError(`could not log in to the token "${options.token}": ${describe(e)}`)
    }
    entry.users++
  }

  private release(entry: Loaded): void {
    if (entry.users > 0) return
    try {
      entry.lib.C_Finalize()
    } catch {
      // already finalized
    }
    loaded.delete(this.modulePath)
  }

  private findSlot(token: string): Buffer {
    const slots = transient(() => this.lib.C_GetSlotList(true))
    const labels: string[] = []
    for (const slot of slots) {
      const label = transient(() => this.lib.C_GetTokenInfo(slot)).label.trim()
      if (label === token) return slot
      labels.push(label)
    }
    throw new KeyProviderError(
      `no PKCS#11 token labelled "${token}" is present (VRE_PKCS11_TOKEN); tokens found: ${labels.length === 0 ? 'none' : labels.map((l) => `"${l}"`).join(', ')}`
    )
  }

  private find(label: string, klass: number): Buffer | undefined {
    const cacheKey = `${klass}:${label}`
    const cached = this.handles.get(cacheKey)
    if (cached !== undefined) return cached
    const found = transient(() => {
      this.lib.C_FindObjectsInit(this.session, [
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_CLASS, value: klass }
      ])
      try {
        return this.lib.C_FindObjects(this.session, 2)
      } finally {
        this.lib.C_FindObjectsFinal(this.session)
      }
    })
    if (found.length > 1) throw new KeyProviderError(`the token holds two keys labelled ${label}`)
    if (found[0] !== undefined) this.handles.set(cacheKey, found[0])
    return found[0]
  }

  private need(label: string, klass: number): Buffer {
    const h = this.find(label, klass)
    if (h === undefined) throw new KeyProviderError(`the key ${label} is not in the token (destroyed, or another token)`)
    return h
  }

  createKek(label: string): void {
    if (this.find(label, pkcs11js.CKO_SECRET_KEY) !== undefined) throw new KeyProviderError(`the key ${label} exists already`)
    this.lib.C_GenerateKey(this.session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false }
    ])
  }

  hasKek(label: string): boolean {
    return this.find(label, pkcs11js.CKO_SECRET_KEY) !== undefined
  }

  private gcm(iv: Buffer, aad: Buffer): pkcs11js.Mechanism {
    return {
      mechanism: pkcs11js.CKM_AES_GCM,
      parameter: { type: pkcs11js.CK_PARAMS_GCM, iv, aad, ivBits: 96, tagBits: 128 } as pkcs11js.IParams
    }
  }

  wrap(label: string, key: Buffer, aad: Buffer): Buffer {
    const handle = this.need(label, pkcs11js.CKO_SECRET_KEY)
    const iv = randomBytes(12)
    this.lib.C_EncryptInit(this.session, this.gcm(iv, aad), handle)
    const out = this.lib.C_Encrypt(this.session, key, Buffer.alloc(key.length + 16))
    return Buffer.concat([iv, out])
  }

  unwrap(label: string, wrapped: Buffer, aad: Buffer): Buffer {
    const handle = this.need(label, pkcs11js.CKO_SECRET_KEY)
    if (wrapped.length < 12 + 16) throw new KeyProviderError(`the wrapped key under ${label} is too short`)
    this.lib.C_DecryptInit(this.session, this.gcm(wrapped.subarray(0, 12), aad), handle)
    try {
      return Buffer.from(this.lib.C_Decrypt(this.session, wrapped.subarray(12), Buffer.alloc(wrapped.length)))
    } catch (e) {
      throw new KeyProviderError(`the wrapped key under ${label} does not open (changed, or bound to another key): ${describe(e)}`)
    }
  }

  destroyKek(label: string): void {
    const handle = this.need(label, pkcs11js.CKO_SECRET_KEY)
    this.lib.C_DestroyObject(this.session, handle)
    this.handles.delete(`${pkcs11js.CKO_SECRET_KEY}:${label}`)
    if (this.find(label, pkcs11js.CKO_SECRET_KEY) !== undefined) {
      throw new KeyProviderError(`the token still holds ${label} after destroying it`)
    }
  }

  createSigningKey(label: string): KeyObject {
    if (this.find(label, pkcs11js.CKO_PRIVATE_KEY) !== undefined) throw new KeyProviderError(`the key ${label} exists already`)
    this.lib.C_GenerateKeyPair(
      this.session,
      { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
      [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_EC_PARAMS, value: ED25519_PARAMS },
        { type: pkcs11js.CKA_VERIFY, value: true }
      ],
      [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false }
      ]
    )
    return this.signingPublicKey(label)
  }

  importSigningKey(label: string, privateKey: KeyObject): KeyObject {
    const jwk = privateKey.export({ format: 'jwk' })
    if (jwk.crv !== 'Ed25519' || jwk.d === undefined || jwk.x === undefined) {
      throw new KeyProviderError('only an Ed25519 private key can be imported as the audit signing key')
    }
    const raw = Buffer.from(jwk.x, 'base64url')
    this.lib.C_CreateObject(this.session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_EC_PARAMS, value: ED25519_PARAMS },
      { type: pkcs11js.CKA_EC_POINT, value: Buffer.concat([Buffer.from([0x04, raw.length]), raw]) },
      { type: pkcs11js.CKA_VERIFY, value: true }
    ])
    this.lib.C_CreateObject(this.session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_EC_PARAMS, value: ED25519_PARAMS },
      { type: pkcs11js.CKA_VALUE, value: Buffer.from(jwk.d, 'base64url') },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false }
    ])
    return this.signingPublicKey(label)
  }

  signingPublicKey(label: string): KeyObject {
    const handle = this.need(label, pkcs11js.CKO_PUBLIC_KEY)
    const [attr] = this.lib.C_GetAttributeValue(this.session, handle, [{ type: pkcs11js.CKA_EC_POINT }])
    let point = attr?.value as Buffer
    // CKA_EC_POINT is a DER OCTET STRING around the 32 raw bytes (some tokens give the raw bytes)
    if (point.length === 34 && point[0] === 0x04 && point[1] === 32) point = point.subarray(2)
    if (point.length !== 32) throw new KeyProviderError(`the signing key ${label} is not an Ed25519 key`)
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, point]), format: 'der', type: 'spki' })
  }

  sign(label: string, message: Buffer): Buffer {
    const handle = this.need(label, pkcs11js.CKO_PRIVATE_KEY)
    this.lib.C_SignInit(this.session, { mechanism: CKM_EDDSA }, handle)
    return Buffer.from(this.lib.C_Sign(this.session, message, Buffer.alloc(64)))
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    const entry = loaded.get(this.modulePath)
    try {
      this.lib.C_CloseSession(this.session)
    } catch {
      // the session may be gone with the module already
    }
    if (entry === undefined) return
    entry.users--
    if (entry.users === 0) this.release(entry)
  }
}
