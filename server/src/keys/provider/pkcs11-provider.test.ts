import { randomBytes, randomUUID, verify } from 'node:crypto'
import pkcs11js from 'pkcs11js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../config/config.js'
import { KeyProviderError } from './key-provider.js'
import { Pkcs11Provider } from './pkcs11-provider.js'

// the test process's own SoftHSM2 token (test/support/hsm.ts), as production would use an HSM
const cfg = loadConfig({ dataDir: '/nonexistent' })
const options = () => ({ module: cfg.pkcs11Module, token: cfg.pkcs11Token, pin: process.env.VRE_PKCS11_PIN ?? '' })
const label = (what: string) => `test-${what}-${randomUUID()}`

let provider: Pkcs11Provider
beforeAll(() => {
  provider = new Pkcs11Provider(options())
})
afterAll(() => provider.close())

/**
 * A second, independent PKCS#11 session on the same token, logged in with the user PIN: what an
 * attacker who has the PIN and the token can ask of it directly, without our provider in between.
 */
function attackerSession<T>(
  use: (lib: pkcs11js.PKCS11, session: Buffer, find: (label: string, klass: number) => Buffer) => T
): T {
  const lib = new pkcs11js.PKCS11()
  lib.load(cfg.pkcs11Module)
  try {
    lib.C_Initialize()
  } catch {
    // initialized already by the provider in this process
  }
  const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === cfg.pkcs11Token)!
  const session = lib.C_OpenSession(slot, pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION)
  try {
    const find = (l: string, klass: number) => {
      lib.C_FindObjectsInit(session, [
        { type: pkcs11js.CKA_LABEL, value: l },
        { type: pkcs11js.CKA_CLASS, value: klass }
      ])
      const [h] = lib.C_FindObjects(session, 1)
      lib.C_FindObjectsFinal(session)
      if (h === undefined) throw new Error(`no object ${l}`)
      return h
    }
    return use(lib, session, find)
  } finally {
    lib.C_CloseSession(session)
  }
}

describe('PKCS#11 provider on a SoftHSM2 token', () => {
  it('makes KEKs that cannot be read out of the token, by value or wrapped under another key', () => {
    const kek = label('kek')
    provider.createKek(kek)
    expect(provider.hasKek(kek)).toBe(true)
    attackerSession((lib, session, find) => {
      const handle = find(kek, pkcs11js.CKO_SECRET_KEY)
      const [sensitive, extractable] = lib.C_GetAttributeValue(session, handle, [
        { type: pkcs11js.CKA_SENSITIVE },
        { type: pkcs11js.CKA_EXTRACTABLE }
      ])
      expect((sensitive!.value as Buffer)[0]).toBe(1)
      expect((extractable!.value as Buffer)[0]).toBe(0)
      expect(() => lib.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_VALUE }])).toThrow(
        /CKR_ATTRIBUTE_SENSITIVE/
      )
      // an attacker's own wrapping key made in the same token does not get it out either
      const wrapping = lib.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_WRAP, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: true }
      ])
      expect(() =>
        lib.C_WrapKey(session, { mechanism: pkcs11js.CKM_AES_KEY_WRAP }, wrapping, handle, Buffer.alloc(64))
      ).toThrow(/CKR_KEY_UNEXTRACTABLE|CKR_KEY_NOT_WRAPPABLE/)
    })
  })

  it('wraps and unwraps a data key under a KEK, and only under that KEK and that AAD', () => {
    const a = label('a')
    const b = label('b')
    provider.createKek(a)
    provider.createKek(b)
    const key = randomBytes(32)
    const aad = Buffer.from('vre-keyring/v1\nproject-1\nproject\np1')
    const wrapped = provider.wrap(a, key, aad)
    expect(wrapped.length).toBe(12 + 32 + 16)
    expect(wrapped.includes(key)).toBe(false)
    expect(provider.unwrap(a, wrapped, aad).equals(key)).toBe(true)
    expect(() => provider.unwrap(b, wrapped, aad)).toThrow(KeyProviderError)
    expect(() => provider.unwrap(a, wrapped, Buffer.from('vre-keyring/v1\nproject-1\nproject\np2'))).toThrow(
      /does not open/
    )
    const flipped = Buffer.from(wrapped)
    flipped[20]! ^= 1
    expect(() => provider.unwrap(a, flipped, aad)).toThrow(/does not open/)
    expect(() => provider.unwrap(a, wrapped.subarray(0, 20), aad)).toThrow(/too short/)
    // the same key wrapped twice comes out different (a fresh IV each time)
    expect(provider.wrap(a, key, aad).equals(wrapped)).toBe(false)
  })

  it('destroys a KEK for good: what it wrapped never opens again', () => {
    const kek = label('gone')
    provider.createKek(kek)
    const aad = Buffer.from('x')
    const wrapped = provider.wrap(kek, randomBytes(32), aad)
    provider.destroyKek(kek)
    expect(provider.hasKek(kek)).toBe(false)
    expect(() => provider.unwrap(kek, wrapped, aad)).toThrow(/not in the token/)
    // and not through another session of the same token either
    const other = new Pkcs11Provider(options())
    try {
      expect(other.hasKek(kek)).toBe(false)
    } finally {
      other.close()
    }
    expect(() => provider.createKek(kek)).not.toThrow()
    expect(() => provider.unwrap(kek, wrapped, aad)).toThrow(/does not open/)
  })

  it('signs with Ed25519 inside the token; the public key verifies, the private key stays in', () => {
    const signing = label('sign')
    const pub = provider.createSigningKey(signing)
    expect(pub.asymmetricKeyType).toBe('ed25519')
    expect(provider.signingPublicKey(signing).equals(pub)).toBe(true)
    const msg = Buffer.from('audit checkpoint 42')
    const sig = provider.sign(signing, msg)
    expect(sig.length).toBe(64)
    expect(verify(null, msg, pub, sig)).toBe(true)
    expect(verify(null, Buffer.from('audit checkpoint 43'), pub, sig)).toBe(false)
    attackerSession((lib, session, find) => {
      const handle = find(signing, pkcs11js.CKO_PRIVATE_KEY)
      expect(() => lib.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_VALUE }])).toThrow(
        /CKR_ATTRIBUTE_SENSITIVE/
      )
    })
    expect(() => provider.createSigningKey(signing)).toThrow(/exists already/)
  })

  it('refuses a wrong PIN, whether or not this process is logged in already', () => {
    expect(() => new Pkcs11Provider({ ...options(), pin: 'not-the-pin' })).toThrow(KeyProviderError)
    expect(() => new Pkcs11Provider({ ...options(), pin: 'not-the-pin' })).toThrow(/refused the PIN/)
    // with nobody logged in: the token itself checks it
    provider.close()
    try {
      expect(() => new Pkcs11Provider({ ...options(), pin: 'not-the-pin' })).toThrow(/refused the PIN/)
    } finally {
      provider = new Pkcs11Provider(options())
    }
    expect(provider.hasKek(label('none'))).toBe(false)
  })

  it('refuses a missing token, naming the tokens it found, and a missing module', () => {
    expect(() => new Pkcs11Provider({ ...options(), token: 'no-such-token' })).toThrow(
      new RegExp(`no PKCS#11 token labelled "no-such-token" is present.*tokens found: "${cfg.pkcs11Token}"`)
    )
    expect(() => new Pkcs11Provider({ ...options(), module: '/nonexistent/libpkcs11.so' })).toThrow(/is not installed/)
    // the provider that was open still works
    const kek = label('after')
    provider.createKek(kek)
    expect(provider.hasKek(kek)).toBe(true)
  })
})
