import { createHash } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import { startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'
import { requireDocker } from '../support/sandbox.js'

interface Entry {
  path: string
  name: string
  type: 'file' | 'dir'
  size: number
  modifiedAt: string
}

describe('the workspace Files view on a real sandbox (runsc)', () => {
  let docker: DockerDriver
  let gw: TestGateway
  let token = ''
  let sessionId = ''

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: object, as = token) =>
    gw.app.inject({
      method,
      url: `/api/v1/sessions/${sessionId}${path}`,
      headers: { authorization: `Bearer ${as}` },
      ...(payload === undefined ? {} : { payload })
    })
  const list = async () => {
    const res = await call('GET', '/files')
    expect(res.statusCode, res.body).toBe(200)
    return (res.json() as { entries: Entry[] }).entries
  }
  const paths = async () => (await list()).map((e) => `${e.type === 'dir' ? 'd' : 'f'} ${e.path}`)
  const inSandbox = async (cmd: string[]) => {
    const s = (await gw.app.sessions.get(sessionId))!
    return runInSandbox(docker, s.sandboxId!, { cmd })
  }
  const fileActions = async () =>
    (await gw.app.store.recentAudit(500)).filter((r) => r.action.startsWith('file.') && r.target === sessionId).length
  /** A refusal with `status` whose message matches `why`, which changed no file and is in the audit log as refused. */
  const refusedWithoutChange = async (send: () => Promise<LightMyRequestResponse>, status: number, why: RegExp) => {
    const before = [await paths(), await fileActions()] as const
    const res = await send()
    expect(res.statusCode, res.body).toBe(status)
    expect(res.json().error.message).toMatch(why)
    expect(await paths()).toEqual(before[0])
    // a change is recorded before it is tried; the refusal follows it, with the reason
    expect(await fileActions()).toBeGreaterThan(before[1] as number)
    const [record] = (await gw.app.store.recentAudit(5)).filter((r) => r.action.startsWith('file.'))
    expect(record).toMatchObject({ outcome: 'denied', details: { reason: expect.stringMatching(why) } })
  }

  beforeAll(async () => {
    docker = await requireDocker()
    gw = await testGatewayWithDataset(docker)
    ;({ sessionId, token } = await startRunningSession(gw))
  }, 120_000)

  afterAll(async () => {
    if (sessionId) await gw.app.sessions.stop(sessionId, 'test over', { actor: 'test', sourceIp: null })
    await gw?.close()
  })

  it('lists the workspace with the inbox and the outbox', async () => {
    expect(await paths()).toEqual(['d inbox', 'd outbox'])
  }, 30_000)

  it('creates, opens and saves a notebook; a save over a newer version is refused', async () => {
    const notebook = JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 })
    const created = await call('PUT', '/files/content', {
      path: 'analysis/first.ipynb',
      content: notebook,
      baseModifiedAt: null
    })
    expect(created.statusCode, created.body).toBe(200)
    expect(created.json()).toMatchObject({ path: 'analysis/first.ipynb', type: 'file', size: notebook.length })
    expect(await paths()).toEqual(['d analysis', 'f analysis/first.ipynb', 'd inbox', 'd outbox'])

    const opened = await call('GET', '/files/content?path=analysis/first.ipynb')
    expect(opened.statusCode).toBe(200)
    const [read] = (await gw.app.store.recentAudit(5)).filter((r) => r.action === 'file.open')
    expect(read!.details).toMatchObject({
      path: 'analysis/first.ipynb',
      size: notebook.length,
      sha256: createHash('sha256').update(notebook).digest('hex')
    })
    expect(opened.json()).toMatchObject({ content: notebook, modifiedAt: created.json().modifiedAt })

    // someone changes it in the terminal meanwhile
    await new Promise((r) => setTimeout(r, 20))
    await inSandbox(['sh', '-c', `echo "{}" > ${WORK_DIR}/analysis/first.ipynb`])
    const stale = await call('PUT', '/files/content', {
      path: 'analysis/first.ipynb',
      content: '{"cells": []}',
      baseModifiedAt: opened.json().modifiedAt
    })
    expect(stale.statusCode).toBe(409)
    expect(stale.json().error.message).toMatch(/changed since you opened it/)
    expect((await inSandbox(['cat', `${WORK_DIR}/analysis/first.ipynb`])).stdout).toBe('{}\n')

    const again = await call('GET', '/files/content?path=analysis/first.ipynb')
    const saved = await call('PUT', '/files/content', {
      path: 'analysis/first.ipynb',
      content: notebook,
      baseModifiedAt: again.json().modifiedAt
    })
    expect(saved.statusCode, saved.body).toBe(200)
    const twice = await call('PUT', '/files/content', {
      path: 'analysis/first.ipynb',
      content: '',
      baseModifiedAt: null
    })
    expect(twice.statusCode).toBe(409)
    expect(twice.json().error.message).toMatch(/exists already/)
  }, 30_000)

  it('makes folders, renames, moves to the outbox and deletes', async () => {
    expect((await call('POST', '/files/folder', { path: 'drafts' })).statusCode).toBe(201)
    expect(
      (await call('POST', '/files/move', { from: 'analysis/first.ipynb', to: 'drafts/renamed.ipynb' })).statusCode
    ).toBe(200)
    const moved = await call('POST', '/files/outbox', { path: 'drafts/renamed.ipynb' })
    expect(moved.statusCode, moved.body).toBe(200)
    expect(moved.json()).toMatchObject({ path: 'outbox/renamed.ipynb', type: 'file' })
    expect((await call('DELETE', '/files?path=analysis')).statusCode).toBe(204)
    expect(await paths()).toEqual(['d drafts', 'd inbox', 'd outbox', 'f outbox/renamed.ipynb'])
    const actions = (await gw.app.store.recentAudit(100))
      .filter((r) => r.target === sessionId && r.action.startsWith('file.'))
      .map((r) => r.action)
    expect(actions).toEqual(
      expect.arrayContaining(['file.save', 'file.open', 'file.folder', 'file.move', 'file.outbox', 'file.delete'])
    )
  }, 30_000)

  it('refuses clashes, missing files and the workspace folders themselves, changing nothing', async () => {
    await refusedWithoutChange(() => call('POST', '/files/folder', { path: 'drafts' }), 409, /exists already/)
    await refusedWithoutChange(() => call('POST', '/files/move', { from: 'nope', to: 'x' }), 404, /no nope/)
    await refusedWithoutChange(() => call('POST', '/files/folder', { path: 'no/such/parent' }), 404, /does not exist/)
    await refusedWithoutChange(() => call('DELETE', '/files?path=outbox'), 400, /stays/)
    await refusedWithoutChange(() => call('POST', '/files/move', { from: 'inbox', to: 'in2' }), 400, /stays/)
    await refusedWithoutChange(
      () => call('POST', '/files/move', { from: 'drafts', to: 'drafts/inner' }),
      400,
      /into itself/
    )
    await refusedWithoutChange(
      () => call('POST', '/files/outbox', { path: 'outbox/renamed.ipynb' }),
      400,
      /in the outbox already/
    )
  }, 60_000)

  it('never hands data to the browser: data files, binary files, links and paths out are refused', async () => {
    await inSandbox([
      'sh',
      '-c',
      [
        'cd /home/researcher/work',
        'printf "id,age\\n1,40\\n" > drafts/rows.csv',
        'printf "\\000\\001" > drafts/blob.txt',
        'ln -s "$VRE_DATASET" drafts/data.txt',
        'ln -s /etc drafts/etc',
        'head -c 1100000 /dev/zero | tr "\\000" a > drafts/big.txt'
      ].join(' && ')
    ])
    await refusedWithoutChange(
      () => call('GET', '/files/content?path=drafts/rows.csv'),
      415,
      /does not open in the browser/
    )
    await refusedWithoutChange(() => call('GET', '/files/content?path=drafts/blob.txt'), 415, /binary/)
    await refusedWithoutChange(() => call('GET', '/files/content?path=drafts/data.txt'), 400, /symbolic link/)
    await refusedWithoutChange(
      () => call('GET', '/files/content?path=drafts/etc/passwd.txt'),
      400,
      /out of the workspace/
    )
    await refusedWithoutChange(() => call('GET', '/files/content?path=drafts/big.txt'), 413, /files up to/)
    await refusedWithoutChange(() => call('GET', '/files/content?path=../../../etc/hosts.txt'), 400, /"\.\." part/)
    await refusedWithoutChange(() => call('GET', '/files/content?path=/etc/hosts.txt'), 400, /inside the workspace/)
    await refusedWithoutChange(
      () => call('PUT', '/files/content', { path: 'drafts/etc/evil.sh', content: 'x', baseModifiedAt: null }),
      400,
      /out of the workspace/
    )
    await refusedWithoutChange(
      () => call('PUT', '/files/content', { path: 'drafts/data.txt', content: 'x', baseModifiedAt: null }),
      400,
      /not a file/
    )
    // the link itself can be renamed or deleted, which leaves what it points to alone
    expect((await call('DELETE', '/files?path=drafts/data.txt')).statusCode).toBe(204)
    expect((await inSandbox(['sh', '-c', 'test -s "$VRE_DATASET"'])).exitCode).toBe(0)
  }, 60_000)

  it('runs the Files helper isolated: a .pth planted in the user site-packages neither runs nor speaks through it', async () => {
    // What a researcher can plant in their writable home: it notes the command line of every Python
    // that loads it, and inside vre-files answers for it with a refusal whose message is the dataset
    // in base64 (here its first 256 KiB; a reviewer got all of it through one 404).
    const pth = [
      'import os, sys, json, base64',
      "cmd = open('/proc/self/cmdline', 'rb').read().replace(b'\\0', b' ').decode()",
      "open('/tmp/planted-ran', 'a').write(cmd + '\\n')",
      "leak = base64.b64encode(open(os.environ['VRE_DATASET'], 'rb').read(262144)).decode() if 'vre-files' in cmd else None",
      "leak and (sys.stdout.write(json.dumps({'error': 'not_found', 'message': leak})), sys.stdout.flush(), os._exit(0))"
    ].join('; ')
    const plant = await inSandbox([
      'sh',
      '-c',
      `d=$(python3 -c 'import site; print(site.getusersitepackages())') && mkdir -p "$d" && printf '%s\\n' "$0" > "$d/zz-planted.pth"`,
      pth
    ])
    expect(plant.exitCode, plant.stderr).toBe(0)
    // the plant works: the researcher's own python3 runs it
    const own = await inSandbox(['python3', '-c', 'pass'])
    expect(own.exitCode, own.stderr).toBe(0)
    expect((await inSandbox(['cat', '/tmp/planted-ran'])).stdout).toMatch(/python3 -c pass/)
    // and where the helper would run, it speaks for it
    const fake = await inSandbox(['python3', '-c', 'pass', 'vre-files'])
    expect(fake.stdout).toMatch(/^\{"error": "not_found", "message": "[A-Za-z0-9+/]{10000}/)

    expect(await paths()).toEqual(expect.arrayContaining(['d inbox', 'd outbox']))
    const missing = await call('GET', '/files/content?path=no/such.txt')
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error.message).toBe('There is no no/such.txt in the workspace.')
    expect(missing.body.length).toBeLessThan(200)
    const moved = await call('POST', '/files/move', { from: 'nope', to: 'x' })
    expect(moved.statusCode).toBe(404)
    expect(moved.body.length).toBeLessThan(200)

    const ran = (await inSandbox(['cat', '/tmp/planted-ran'])).stdout
    expect(ran).not.toContain(`vre-files ${WORK_DIR}`)
    // the module the image's helpers share still loads in isolated mode, through dist-packages
    const isolated = await inSandbox(['python3', '-I', '-c', 'import vre; print(vre.__file__)'])
    expect(isolated.stdout.trim()).toBe('/opt/vre/python/vre/__init__.py')
    expect((await inSandbox(['cat', '/tmp/planted-ran'])).stdout).toBe(ran)
  }, 60_000)

  it("runs the kernel's bridge isolated too, while the researcher's own kernel still loads their site-packages", async () => {
    // the plant of the test before is still in place; a Python cell through vre-kernel, as the gateway runs it
    const before = (await inSandbox(['cat', '/tmp/planted-ran'])).stdout
    const s = (await gw.app.sessions.get(sessionId))!
    const run = await runInSandbox(docker, s.sandboxId!, {
      cmd: ['vre-kernel'],
      input: `${JSON.stringify({ id: 'c1', language: 'python', source: 'import vre\nprint(vre.__name__)' })}\n`,
      timeoutMs: 90_000
    })
    const replies = run.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { id?: string; status?: string; outputs?: { text?: string }[] })
    const cell = replies.find((r) => r.id === 'c1')
    expect(cell, run.stdout + run.stderr).toMatchObject({ status: 'ok' })
    expect(cell!.outputs!.map((o) => o.text ?? '').join('')).toMatch(/^vre\s*$/)
    const ran = (await inSandbox(['cat', '/tmp/planted-ran'])).stdout.slice(before.length)
    expect(ran).toMatch(/ipykernel_launcher/)
    expect(ran).not.toMatch(/kernel_bridge/)
    await inSandbox([
      'sh',
      '-c',
      'rm -f "$(python3 -I -c \'import site; print(site.getusersitepackages())\')/zz-planted.pth"'
    ])
  }, 120_000)

  it("keeps another researcher out of this session's files", async () => {
    const other = (await gw.login('researcher2')).accessToken
    const res = await call('GET', '/files', undefined, other)
    expect(res.statusCode).toBe(404)
    const write = await call('PUT', '/files/content', { path: 'x.txt', content: 'x', baseModifiedAt: null }, other)
    expect(write.statusCode).toBe(404)
  }, 30_000)
})
