import { randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3-multiple-ciphers'
import { afterAll, describe, expect, it } from 'vitest'
import { totpCode } from '../../server/src/auth/totp.js'
import { DEMO_PROJECT } from '../../server/src/demo/seed.js'
import { describeFindings, keyForms, scanDirectory, type Secret, textForms } from '../support/at-rest-scan.js'
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js'
import { closeKeys, dataDirKeys } from '../support/keys.js'
import { requireDocker } from '../support/sandbox.js'
import { openTerminal } from '../support/terminal.js'

describe('the at-rest scanner', () => {
  it('finds each kind of plaintext it looks for, including a secret across its read boundary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vre-scanself-'))
    try {
      const db = new Database(join(dir, 'state.db'))
      db.exec('create table t (x)')
      db.close()
      writeFileSync(join(dir, 'fake.duckdb'), Buffer.concat([Buffer.alloc(8), Buffer.from('DUCK'), Buffer.alloc(100)]))
      mkdirSync(join(dir, 'ws'))
      writeFileSync(join(dir, 'ws', 'a.txt'), 'hello')
      execFileSync('tar', ['-cf', join(dir, 'snap.tar'), '-C', join(dir, 'ws'), 'a.txt'])
      // a tar stream behind a header of some other format
      writeFileSync(
        join(dir, 'wrapped.bin'),
        Buffer.concat([
          Buffer.alloc(1024, 7),
          Buffer.from(execFileSync('tar', ['-cf', '-', '-C', join(dir, 'ws'), 'a.txt']))
        ])
      )
      writeFileSync(
        join(dir, 'key.pem'),
        generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })
      )
      const key = randomBytes(32)
      const b64 = Buffer.from(key.toString('base64').replace(/=+$/, ''))
      const at = 4 * 1024 * 1024 - 20
      const big = Buffer.alloc(at + 200, 0x41)
      b64.copy(big, at)
      writeFileSync(join(dir, 'big.bin'), big)
      writeFileSync(join(dir, 'wide.txt'), Buffer.from('say JBSWY3DPEHPK3PXP', 'utf16le'))
      writeFileSync(join(dir, 'ok.enc'), Buffer.concat([Buffer.from('VREENC01'), randomBytes(300)]))
      const scan = scanDirectory(dir, [
        { what: 'key', forms: keyForms(key) },
        { what: 'totp', forms: textForms('JBSWY3DPEHPK3PXP') }
      ])
      const got = scan.findings.map((f) => `${f.file}: ${f.what}`)
      expect(got).toEqual(
        expect.arrayContaining([
          'state.db: a SQLite header',
          'fake.duckdb: a DuckDB header',
          'snap.tar: a tar header',
          'wrapped.bin: a tar header inside the file',
          'key.pem: a PEM block (-----BEGIN)',
          'big.bin: key',
          'wide.txt: totp'
        ])
      )
      expect(scan.findings.find((f) => f.file === 'big.bin')!.at).toBe(at)
      expect(got.filter((g) => g.startsWith('ok.enc') || g.startsWith('ws/'))).toEqual([])
      expect(scan.kinds['encrypted (VREENC01)']).toEqual(['ok.enc'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/**
 * The first "Done when": the demo run as an operator runs it, used the way a researcher
 * uses it (a session on the real engine, a notebook export, an export request, a terminal with a
 * recording), stopped, and then every file under its data directory read as a thief with a copy of
 * it would: no database, tar or PEM header, no key, no TOTP secret, no patient key, nothing the
 * researcher typed or exported.
 */
describe('a copy of the demo data directory, taken after use', () => {
  let dataDir = ''
  let gateway: GatewayProcess | undefined
  // markers only this run writes: found on disk, they are the researcher's text in the clear
  const mark = randomBytes(6).toString('hex')
  const typed = `typed-${mark}`
  const written = `notes-${mark}`
  const exported = `exported-${mark}`
  const justification = `justified-${mark}`

  afterAll(async () => {
    await gateway?.stop()
    if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true })
  })

  it('holds no plaintext database, tar, PEM, key, TOTP secret, patient key or researcher text', async () => {
    await requireDocker()
    dataDir = mkdtempSync(join(tmpdir(), 'vre-atrest-'))
    gateway = await startGatewayProcess('demo', dataDir)
    const url = gateway.url
    const accounts = [...gateway.output().matchAll(/^\s+(\S+)\s+password (\S+)\s+TOTP (\S+)$/gm)].map((m) => ({
      username: m[1]!,
      password: m[2]!,
      totp: m[3]!
    }))
    expect(accounts.map((a) => a.username)).toContain('researcher1')
    const me = accounts.find((a) => a.username === 'researcher1')!

    const api = async (method: string, path: string, token: string | null, body?: object) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' })
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      const text = await res.text()
      return { status: res.status, json: () => JSON.parse(text) as Record<string, unknown> & unknown[], text }
    }
    const login = await api('POST', '/api/v1/auth/login', null, {
      username: me.username,
      password: me.password,
      totp: totpCode(me.totp, new Date())
    })
    expect(login.status, login.text).toBe(200)
    const token = login.json().accessToken as string
    const projects = (await api('GET', '/api/v1/me', token)).json().projects as { id: string; title: string }[]
    const projectId = projects.find((p) => p.title === DEMO_PROJECT)!.id

    // a session on the real engine (gVisor by the shipped policy), with the demo dataset in it
    const started = await api('POST', '/api/v1/sessions', token, { projectId })
    expect(started.status, started.text).toBe(201)
    const sessionId = started.json().id as string
    const deadline = Date.now() + 180_000
    for (;;) {
      const s = (
        (await api('GET', '/api/v1/sessions', token)).json() as unknown as {
          id: string
          state: string
          reason: string
        }[]
      ).find((x) => x.id === sessionId)!
      if (s.state === 'running') break
      if (s.state !== 'starting' || Date.now() > deadline) throw new Error(`the session is ${s.state}: ${s.reason}`)
      await new Promise((r) => setTimeout(r, 500))
    }

    // patient keys of the dataset, as the researcher sees them
    const cell = await api('POST', `/api/v1/sessions/${sessionId}/cells`, token, {
      language: 'sql',
      source: 'select person_id from patients order by person_id limit 5'
    })
    expect(cell.status, cell.text).toBe(200)
    const personIds = ((cell.json().outputs as { rows?: unknown[][] }[])[0]?.rows ?? []).map((r) => String(r[0]))
    expect(personIds.length, cell.text).toBe(5)

    // a notebook export to the outbox, and an export request for it
    const exportRes = await api('POST', `/api/v1/sessions/${sessionId}/cells/export`, token, {
      language: 'sql',
      source: `select sex, count(*) as n, '${exported}' as note from patients group by sex order by sex`,
      name: 'counts-by-sex'
    })
    expect(exportRes.status, exportRes.text).toBe(201)
    const submitted = await api('POST', '/api/v1/exports', token, {
      sessionId,
      files: [{ path: 'outbox/counts-by-sex.csv', justification }]
    })
    expect(submitted.status, submitted.text).toBe(201)

    // the terminal, recorded: typed text, and a file written into the workspace
    const ticket = (await api('POST', `/api/v1/sessions/${sessionId}/terminal-ticket`, token)).json().ticket as string
    const term = await openTerminal(url, sessionId, ticket, url)
    if (!('ws' in term)) throw new Error(`terminal refused: ${term.status} ${term.body}`)
    await term.waitFor(/\$ $/m, 30_000).catch(() => undefined)
    term.type(`echo ${typed}; echo ${written} > ~/notes.txt; echo done-$((40+2))\r`)
    await term.waitFor(/done-42/, 30_000)
    term.ws.close()
    await term.closed

    // the session ends (its workspace is kept), then the gateway stops
    const stopped = await api('DELETE', `/api/v1/sessions/${sessionId}`, token)
    expect(stopped.status, stopped.text).toBe(200)
    for (const until = Date.now() + 120_000; ;) {
      const s = (
        (await api('GET', '/api/v1/sessions', token)).json() as unknown as { id: string; state: string }[]
      ).find((x) => x.id === sessionId)!
      if (!['starting', 'running', 'stopping'].includes(s.state)) break
      if (Date.now() > until) throw new Error(`the session is still ${s.state}`)
      await new Promise((r) => setTimeout(r, 500))
    }
    await gateway.stop()

    // every key of this data directory, unwrapped by the token, in every form it could be written in
    const keys = dataDirKeys(dataDir)
    const secrets: Secret[] = []
    try {
      for (const e of keys.keyring.entries()) {
        if (e.destroyedAt === undefined)
          secrets.push({ what: `the ${e.purpose} key ${e.id}`, forms: keyForms(Buffer.from(keys.keyring.key(e.id))) })
      }
      secrets.push({ what: 'the JWT key', forms: keyForms(keys.jwtKey.export()) })
    } finally {
      closeKeys(keys)
    }
    for (const a of accounts) {
      secrets.push({
        what: `the TOTP secret of ${a.username}`,
        forms: [...textForms(a.totp), ...textForms(a.totp.toLowerCase())]
      })
      secrets.push({ what: `the password of ${a.username}`, forms: textForms(a.password) })
    }
    for (const id of personIds) secrets.push({ what: `the patient key ${id}`, forms: textForms(id) })
    secrets.push({ what: 'text typed in the terminal', forms: textForms(typed) })
    secrets.push({ what: 'text written to a workspace file', forms: textForms(written) })
    secrets.push({ what: 'text of a notebook export', forms: textForms(exported) })
    secrets.push({ what: 'the justification of an export request', forms: textForms(justification) })

    const scan = scanDirectory(dataDir, secrets)
    console.log(
      `at-rest scan: ${scan.files} files, ${scan.bytes} bytes\n` +
        Object.entries(scan.kinds)
          .map(
            ([kind, files]) =>
              `  ${kind}: ${files.length} (${files.slice(0, 6).join(', ')}${files.length > 6 ? ', …' : ''})`
          )
          .join('\n') +
        (scan.findings.length > 0 ? `\nfindings:\n${describeFindings(scan.findings)}` : '')
    )
    // the run really left each kind of file behind, or the scan would prove nothing about it
    const all = Object.values(scan.kinds).flat()
    for (const dir of ['datasets/', 'workspaces/', 'quarantine/', 'recordings/', 'data-operations/']) {
      expect(
        all.some((f) => f.startsWith(dir)),
        `no file under ${dir}`
      ).toBe(true)
    }
    expect(describeFindings(scan.findings), 'plaintext under the data directory').toBe('')
  }, 600_000)
})
