import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/** AES-256-GCM for small secrets at rest (TOTP seeds): `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
export function seal(plaintext: string, key: Buffer, context: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(context, 'utf8'))
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.')
}

export function unseal(sealed: string, key: Buffer, context: string): string {
  const [version, iv, tag, ct] = sealed.split('.')
  if (version !== 'v1' || iv === undefined || tag === undefined || ct === undefined) {
    throw new Error('sealed secret has an unknown format')
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
  decipher.setAAD(Buffer.from(context, 'utf8'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8')
}
