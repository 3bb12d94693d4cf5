import type { KeyObject } from 'node:crypto'
import { ConfigError } from '../../errors.js'

/**
 * Where the keys that protect everything else live. A provider holds key-encryption keys (KEKs) and
 * the audit signing key; it wraps and unwraps data keys with them and signs with the signing key, and
 * never hands either out. Everything at rest is encrypted under data keys, and a data key is stored
 * only wrapped (keys/keyring.ts), so a copy of the data directory without the provider reveals nothing.
 *
 * Each data key has its own KEK. Destroying that KEK in the provider is what erases the data: a copy
 * of the files and of the wrapped key taken before can no longer be opened, by anyone, because the
 * one key that unwraps it is gone.
 *
 * Implementations: PKCS#11 (any HSM; SoftHSM2 in the demo and the tests) and a file provider for
 * development only. A cloud KMS plugs in the same way (see README, "Keys"): createKek = CreateKey,
 * wrap/unwrap = Encrypt/Decrypt with the key id and the AAD as encryption context, destroyKek =
 * ScheduleKeyDeletion, sign = Sign with an Ed25519 (or ECDSA) asymmetric key.
 */
export interface KeyProvider {
  readonly kind: 'pkcs11' | 'file'
  /** for status output and errors: which token or file */
  readonly description: string
  /** makes a new AES-256 KEK under `label`, generated inside the provider and never extractable */
  createKek(label: string): void
  hasKek(label: string): boolean
  /** AES-256-GCM under the KEK: iv || ciphertext || tag, the AAD bound in */
  wrap(label: string, key: Buffer, aad: Buffer): Buffer
  unwrap(label: string, wrapped: Buffer, aad: Buffer): Buffer
  /** destroys the KEK for good; whatever it wrapped can never be unwrapped again */
  destroyKek(label: string): void
  /** makes an Ed25519 signing pair inside the provider; returns the public half */
  createSigningKey(label: string): KeyObject
  /** brings an existing Ed25519 private key into the provider (migration of a plaintext data directory) */
  importSigningKey(label: string, privateKey: KeyObject): KeyObject
  signingPublicKey(label: string): KeyObject
  sign(label: string, message: Buffer): Buffer
  close(): void
}

/** The provider could not be reached or refused us: the gateway does not start (a ConfigError: one clear line). */
export class KeyProviderError extends ConfigError {
  override name = 'KeyProviderError'
}

/** Ed25519's DER SubjectPublicKeyInfo prefix: a 32-byte raw key appended makes a key Node can read. */
export const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
