import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { quarantineContext, quarantineFile } from '../../airlock/quarantine.js'
import { DataOperationLog, dataOperationContext } from '../../audit/data-operations.js'
import { datasetContext, datasetKeyScope } from '../../datasets/at-rest.js'
import { datasetFile } from '../../datasets/registration.js'
import { type DemoCredentials, readDemoCredentials, writeDemoCredentials } from '../../demo/seed.js'
import { recordingContext } from '../../terminal/recording.js'
import { isEncryptedFile, sealBytes } from '../encrypted-file.js'
import { shred } from '../erasure/erase.js'
import { encryptInPlace, type FileKind, files, snapshots } from './kinds.js'

const SHA256 = /^[0-9a-f]{64}$/
const SEALING = '.sealing'
const CAST = /^(?<session>[0-9a-f-]{36})(?:\.(?<part>\d+))?\.cast$/

/**
 * Datasets: a row's plain `datasets/<name>.duckdb` becomes the next version's `.duckdb.enc` under a
 * new dataset key (datasets/registration.ts), the row moved to it (audited), then the plaintext
 * shredded. A plaintext copy whose row already names an encrypted file (a run stopped before the
 * shred) is only shredded.
 */
export const datasets: FileKind = {
  name: 'datasets',
  async find({ dataDir, store }) {
    const names = new Set((await store.listDatasets()).map((d) => `${d.name}.duckdb`))
    return files(join(dataDir, 'datasets'))
      .filter((f) => names.has(f))
      .map((f) => join(dataDir, 'datasets', f))
      .filter((f) => !isEncryptedFile(f))
  },
  async encrypt(file, { dataDir, keyring, store }) {
    const name = basename(file, '.duckdb')
    const row = (await store.getDatasetByName(name))!
    if (row.file !== null && row.file.endsWith('.enc') && existsSync(join(dataDir, row.file))) {
      shred(file)
      return
    }
    let version = 1
    for (const e of keyring.entries()) {
      const v =
        e.purpose === 'dataset' && e.scope.startsWith(`${row.id}@`) ? Number(e.scope.slice(row.id.length + 1)) : 0
      if (Number.isInteger(v) && v >= version) version = v + 1
    }
    const key = keyring.create('dataset', datasetKeyScope(row.id, version))
    const target = datasetFile(name, version)
    await encryptInPlace(file, join(dataDir, target), key, datasetContext(row.id), keyring, { keepPlain: true })
    await store.setDatasetFile(row.id, target, {
      actor: 'system',
      action: 'dataset.file',
      sourceIp: null,
      target: row.id,
      outcome: 'success',
      details: { file: target, keyId: key.id, migratedFrom: `datasets/${name}.duckdb` }
    })
    shred(file)
  }
}

/**
 * Quarantined and released files: the plaintext `quarantine/<sha256>` of before becomes
 * `quarantine/<project>/<sha256>` under each holding project's key (identical bytes in two projects
 * are two files now). Bytes no request holds any more are shredded.
 */
export const quarantine: FileKind = {
  name: 'quarantined files',
  find: ({ dataDir }) =>
    files(join(dataDir, 'quarantine'))
      .filter((f) => SHA256.test(f))
      .map((f) => join(dataDir, 'quarantine', f)),
  async encrypt(file, { dataDir, keyring, store }) {
    const sha256 = basename(file)
    const dir = join(dataDir, 'quarantine')
    for (const p of await store.listProjects()) {
      if (!(await store.quarantineHoldings(p.id)).some((h) => h.sha256 === sha256)) continue
      const target = quarantineFile(dir, p.id, sha256)
      if (existsSync(target)) continue
      await encryptInPlace(file, target, keyring.projectKey(p.id), quarantineContext(p.id), keyring, {
        keepPlain: true
      })
    }
    shred(file)
  }
}

/** Terminal recordings: a plain `.cast` part is sealed in place under its session's project key. */
export const recordings: FileKind = {
  name: 'terminal recordings',
  find: ({ dataDir }) => {
    const names = files(join(dataDir, 'recordings'))
    const sealed = names.filter((f) => f.endsWith(SEALING) && !names.includes(f.slice(0, -SEALING.length)))
    return [
      ...names
        .filter((f) => CAST.test(f))
        .map((f) => join(dataDir, 'recordings', f))
        .filter((f) => !isEncryptedFile(f)),
      // sealed, the plaintext shredded, not yet renamed: a run stopped there
      ...sealed.map((f) => join(dataDir, 'recordings', f))
    ]
  },
  async encrypt(file, { keyring, store }) {
    if (file.endsWith(SEALING)) {
      renameSync(file, file.slice(0, -SEALING.length))
      return
    }
    const m = CAST.exec(basename(file))!.groups!
    const sessionId = m.session!
    const session = await store.getSandboxSession(sessionId)
    if (session === null)
      throw new Error(`${file} belongs to no session this data directory knows; it is left as it is`)
    await encryptInPlace(
      file,
      `${file}${SEALING}`,
      keyring.projectKey(session.projectId),
      recordingContext(sessionId, Number(m.part ?? 1)),
      keyring,
      {
        keepPlain: true
      }
    )
    shred(file)
    renameSync(`${file}${SEALING}`, file)
  }
}

const JSONL = /^(?<session>[0-9a-f-]{36})\.jsonl$/

/**
 * Data-operation logs: a plain `data-operations/<session>.jsonl` becomes `<session>.jsonl.enc`, each
 * line sealed on its own under the session's project key as the log appends them
 * (audit/data-operations.ts), read back through the log before the plaintext is shredded.
 */
export const dataOperations: FileKind = {
  name: 'data-operation logs',
  find: ({ dataDir }) =>
    files(join(dataDir, 'data-operations'))
      .filter((f) => JSONL.test(f))
      .map((f) => join(dataDir, 'data-operations', f)),
  async encrypt(file, { dataDir, keyring, store }) {
    const sessionId = JSONL.exec(basename(file))!.groups!.session!
    const session = await store.getSandboxSession(sessionId)
    if (session === null)
      throw new Error(`${file} belongs to no session this data directory knows; it is left as it is`)
    const plain = readFileSync(file)
    const { id, key } = keyring.projectKey(session.projectId)
    const sealed: Buffer[] = []
    for (let at = 0, i = 0; at < plain.length; i++) {
      const nl = plain.indexOf(0x0a, at)
      const end = nl === -1 ? plain.length : nl + 1
      sealed.push(sealBytes(plain.subarray(at, end), id, key, dataOperationContext(sessionId, i)))
      at = end
    }
    const log = new DataOperationLog(dataDir, { keyring, projectOf: async () => session.projectId })
    const target = log.file(sessionId)
    writeFileSync(`${target}.partial`, Buffer.concat(sealed), { mode: 0o600 })
    renameSync(`${target}.partial`, target)
    if (!(await log.read(sessionId)).equals(plain))
      throw new Error(`${target} does not read back as ${file}; the plaintext is kept`)
    shred(file)
  }
}

/** The demo's credentials file of before (passwords and TOTP secrets in plain JSON). */
export const LEGACY_CREDENTIALS_FILE = 'demo-credentials.json'

/** The demo's credentials: the plain JSON sealed under the platform state key (demo/seed.ts), read back, then shredded. */
export const demoCredentials: FileKind = {
  name: 'demo credentials',
  find: ({ dataDir }) => [join(dataDir, LEGACY_CREDENTIALS_FILE)].filter((f) => existsSync(f)),
  async encrypt(file, { dataDir, keyring }) {
    const plain = JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials
    const merged = { ...readDemoCredentials(dataDir, keyring), ...plain }
    writeDemoCredentials(dataDir, keyring, merged)
    if (JSON.stringify(readDemoCredentials(dataDir, keyring)) !== JSON.stringify(merged)) {
      throw new Error(`the sealed demo credentials do not read back as ${file}; the plaintext is kept`)
    }
    shred(file)
  }
}

/** Every kind, in the order they are encrypted. */
export const FILE_KINDS: FileKind[] = [snapshots, datasets, quarantine, recordings, dataOperations, demoCredentials]
