import { spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig, PROJECT_ROOT } from '../config/config.js'
import { KEYRING_FILE, type KeyEntry, Keyring, KeyDestroyedError } from './keyring.js'
import { openProvider } from './keys.js'
import { FileProvider } from './provider/file-provider.js'
import { KeyProviderError, type KeyProvider } from './provider/key-provider.js'

// the test process's own SoftHSM2 token (test/support/hsm.ts)
let provider: KeyProvider
const dirs: string[] = []
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'vre-keyring-'))
  dirs.push(d)
  return d
}
const copy = (k: { id: string; key: Buffer }) => ({ id: k.id, key: Buffer.from(k.key) })
const ringFile = (dir: string) =>
  JSON.parse(readFileSync(join(dir, KEYRING_FILE), 'utf8')) as { provider: string; keys: KeyEntry[] }

beforeAll(() => {
  provider = openProvider(loadConfig({ dataDir: '/nonexistent' }))
})
afterAll(() => provider.close())
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('keyring on a real token', () => {
  it('keeps only wrapped keys in keyring.json, and unwraps the same keys after reopening', () => {
    const dir = fresh()
    const ring = Keyring.open(provider, dir, { create: true })
    // copies: closing the keyring zeroes the keys it hands out
    const state = Buffer.from(ring.platformKey('state'))
    const project = copy(ring.projectKey('p1'))
    const dataset = copy(ring.create('dataset', 'ds1/v1'))
    expect(ring.projectKey('p1')).toEqual(project)
    expect(ring.create('dataset', 'ds1/v1').id).not.toBe(dataset.id)
    ring.close()
    const text = readFileSync(join(dir, KEYRING_FILE))
    for (const k of [state, project.key, dataset.key]) {
      expect(text.includes(k.toString('base64'))).toBe(false)
      expect(text.includes(k.toString('hex'))).toBe(false)
    }
    for (const e of ringFile(dir).keys) expect(e.kek).toBe(`vre-kek-${e.id}`)

    const other = openProvider(loadConfig({ dataDir: dir }))
    try {
      const again = Keyring.open(other, dir, { create: false })
      expect(again.platformKey('state').equals(state)).toBe(true)
      expect(again.key(project.id).equals(project.key)).toBe(true)
      expect(again.key(dataset.id).equals(dataset.key)).toBe(true)
      expect(again.auditPublicKey.equals(ring.auditPublicKey)).toBe(true)
      again.close()
    } finally {
      other.close()
    }
  })

  it('refuses a directory without a keyring unless asked to make one', () => {
    expect(() => Keyring.open(provider, fresh(), { create: false })).toThrow(/keyring.json is missing/)
  })

  it('destroys a key so that neither the keyring nor a copy of it taken before can unwrap it', () => {
    const dir = fresh()
    const ring = Keyring.open(provider, dir, { create: true })
    const doomed = ring.projectKey('ending')
    const kept = copy(ring.projectKey('continuing'))
    const before = readFileSync(join(dir, KEYRING_FILE))
    const entry = ring.entries().find((e) => e.id === doomed.id)!

    const destroyed = ring.destroy(doomed.id)
    expect(destroyed.destroyedAt).toBeDefined()
    expect(destroyed.wrapped).toBeNull()
    expect(provider.hasKek(entry.kek)).toBe(false)
    expect(() => ring.key(doomed.id)).toThrow(KeyDestroyedError)
    expect(ring.key(kept.id).equals(kept.key)).toBe(true)
    // no new key comes in its place: the project stays erased
    expect(() => ring.projectKey('ending')).toThrow(KeyDestroyedError)
    ring.close()

    // the copy taken before still names the wrapped key, but its KEK is gone from the token
    writeFileSync(join(dir, KEYRING_FILE), before)
    const restored = Keyring.open(provider, dir, { create: false })
    expect(restored.entries().find((e) => e.id === doomed.id)!.wrapped).toBe(entry.wrapped)
    expect(() => restored.key(doomed.id)).toThrow(/not in the token/)
    expect(() =>
      provider.unwrap(
        entry.kek,
        Buffer.from(entry.wrapped!, 'base64'),
        Buffer.from(`vre-keyring/v1\n${entry.id}\nproject\nending`)
      )
    ).toThrow(KeyProviderError)
    expect(restored.key(kept.id).equals(kept.key)).toBe(true)
    restored.close()
  })

  it('makes no new key for an erased project: nothing of it is written again', () => {
    const ring = Keyring.open(provider, fresh(), { create: true })
    const { id } = ring.projectKey('erased-project')
    ring.destroy(id)
    expect(() => ring.projectKey('erased-project')).toThrow(KeyDestroyedError)
    expect(() => ring.projectKey('erased-project')).toThrow(/was erased/)
    // another project is not affected
    expect(ring.projectKey('other-project').key).toHaveLength(32)
    ring.close()
  })

  it('rotates: the same data keys under new KEKs, the old KEKs gone', () => {
    const dir = fresh()
    const ring = Keyring.open(provider, dir, { create: true })
    const keys = [ring.platformKey('state'), ring.projectKey('p').key, ring.create('dataset', 'd/1').key].map((k) =>
      Buffer.from(k)
    )
    const gone = ring.create('dataset', 'd/0')
    ring.destroy(gone.id)
    const before = ring.entries().map((e) => ({ ...e }))
    const rotated = ring.rotate()
    expect(rotated.map((e) => e.id).sort()).toEqual(
      before
        .filter((e) => e.destroyedAt === undefined)
        .map((e) => e.id)
        .sort()
    )
    ring.close()

    const after = ringFile(dir).keys
    for (const old of before.filter((e) => e.destroyedAt === undefined)) {
      const now = after.find((e) => e.id === old.id)!
      expect(now.kek).not.toBe(old.kek)
      expect(now.wrapped).not.toBe(old.wrapped)
      expect(now.rotatedAt).toBeDefined()
      expect(provider.hasKek(old.kek)).toBe(false)
      expect(provider.hasKek(now.kek)).toBe(true)
    }
    expect(after.find((e) => e.id === gone.id)!.destroyedAt).toBeDefined()
    const reopened = Keyring.open(provider, dir, { create: false })
    const ids = before.filter((e) => e.destroyedAt === undefined).map((e) => e.id)
    expect(ids.map((id) => reopened.key(id).toString('hex'))).toEqual(keys.map((k) => k.toString('hex')))
    reopened.close()
  })

  it('loses no key when several processes add keys at once (the lock)', async () => {
    const dir = fresh()
    Keyring.open(provider, dir, { create: true }).close()
    const keyring = pathToFileURL(join(PROJECT_ROOT, 'server/src/keys/keyring.ts')).href
    const keys = pathToFileURL(join(PROJECT_ROOT, 'server/src/keys/keys.ts')).href
    const config = pathToFileURL(join(PROJECT_ROOT, 'server/src/config/config.ts')).href
    const script = `
      import { Keyring } from '${keyring}'
      import { openProvider } from '${keys}'
      import { loadConfig } from '${config}'
      const p = openProvider(loadConfig({ dataDir: process.argv[1] }))
      const ring = Keyring.open(p, process.argv[1], { create: false })
      const out = []
      for (let i = 0; i < 8; i++) out.push(ring.create('dataset', process.argv[2] + '/' + i).id)
      ring.close(); p.close()
      console.log(JSON.stringify(out))`
    const run = (name: string) =>
      new Promise<string[]>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir, name], {
          cwd: PROJECT_ROOT,
          stdio: ['ignore', 'pipe', 'pipe']
        })
        let out = ''
        let err = ''
        child.stdout.on('data', (c: Buffer) => (out += c.toString()))
        child.stderr.on('data', (c: Buffer) => (err += c.toString()))
        child.on('exit', (code) =>
          code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`child ${name}: ${err}`))
        )
      })
    // a second instance in this process too, interleaving with the children
    const local = Keyring.open(provider, dir, { create: false })
    const [a, b, c] = await Promise.all([run('a'), run('b'), run('c')])
    const mine = Array.from({ length: 4 }, (_, i) => local.create('dataset', `local/${i}`).id)
    local.close()
    const made = [...a!, ...b!, ...c!, ...mine]
    expect(new Set(made).size).toBe(28)
    const reopened = Keyring.open(provider, dir, { create: false })
    expect(
      reopened
        .entries()
        .map((e) => e.id)
        .sort()
    ).toEqual([...made].sort())
    for (const id of made) expect(reopened.key(id).length).toBe(32)
    reopened.close()
  }, 60_000)

  it('refuses a keyring made with another kind of provider', () => {
    const dir = fresh()
    const keyFile = join(fresh(), 'keys.json')
    const file = new FileProvider(keyFile)
    Keyring.open(file, dir, { create: true }).close()
    expect(() => Keyring.open(provider, dir, { create: false })).toThrow(
      /made with the file key provider.*configured with pkcs11/
    )
  })

  it('refuses a token that does not hold the signing key the data directory names', () => {
    const dir = fresh()
    Keyring.open(provider, dir, { create: true }).close()
    const ring = ringFile(dir) as unknown as { signing: { label: string } }
    const moved = fresh()
    copyFileSync(join(dir, KEYRING_FILE), join(moved, KEYRING_FILE))
    writeFileSync(
      join(moved, KEYRING_FILE),
      readFileSync(join(moved, KEYRING_FILE), 'utf8').replace(ring.signing.label, 'vre-audit-signing-elsewhere')
    )
    expect(() => Keyring.open(provider, moved, { create: false })).toThrow(/not in the token/)
  })
})
