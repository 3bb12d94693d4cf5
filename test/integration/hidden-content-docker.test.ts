/**
 * Nothing hides in a file (issue 15): the ways of carrying the dataset out inside an allowed type
 * that used to pass every check, each made in a real sandbox by a notebook cell and submitted
 * through the gateway. A figure is decoded and re-encoded (what is reviewed and released is the
 * picture alone); what doesn't decode as its type, or carries encoded data, fails with the reason;
 * a type the checks cannot read whole is for a reviewer to read.
 */
import { createHash } from 'node:crypto'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import type { FileView, RequestView } from '../support/airlock.js'
import { outboxSession } from '../support/outbox-session.js'

const OUTBOX = `${WORK_DIR}/outbox`
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe('nothing hides in a file: attacks through the gateway on a real sandbox', () => {
  const session = outboxSession(['reviewer1', 'reviewer2'])
  const inSandbox = (cmd: string[]) => session.inSandbox(cmd)
  /** the 50 patient rows the attacks carry, as the sandbox's dataset holds them */
  let rows = ''

  beforeAll(async () => {
    // a researcher's notebook cell: a real matplotlib chart, and the dataset's rows hidden four ways
    const source = [
      'import base64, json',
      'import matplotlib',
      "matplotlib.use('Agg')",
      'import matplotlib.pyplot as plt',
      'import vre',
      "df = vre.sql('select person_id, sex, birth_ym, prefecture_code, insurer_type from patients order by person_id limit 50')",
      'data = df.to_csv(index=False).encode()',
      `out = '${OUTBOX}/'`,
      "fig, ax = plt.subplots(figsize=(4, 3)); ax.bar(['F', 'M'], [1031, 969]); fig.savefig(out + 'by-sex.png'); plt.close(fig)",
      "open(out + 'by-sex.png', 'ab').write(data)",
      "open(out + 'photo.jpg', 'wb').write(bytes([0xff, 0xd8, 0xff, 0xe0]) + data)",
      "open(out + 'notes.txt', 'w').write('Results of the first analysis.\\n' + data.hex() + '\\n')",
      "json.dump({'model': 'ols', 'rows': base64.b64encode(data).decode()}, open(out + 'model.json', 'w'))",
      "open(out + 'rows.csv', 'wb').write(data)"
    ].join('\n')
    await session.cell('python', source)
    rows = await inSandbox(['cat', `${OUTBOX}/rows.csv`])
    expect(rows.split('\n').filter((l) => /^P[0-9A-F]{12},/.test(l))).toHaveLength(50)
  }, 180_000)

  const submit = async (name: string): Promise<{ request: RequestView; file: FileView }> => {
    const request = await session.submit([`outbox/${name}`])
    return { request, file: (await session.api.look('reviewer1', request.id)).files[0]! }
  }
  const fileType = (f: FileView) => f.checks.filter((c) => c.rule === 'file-type')
  const firstPersonId = () => rows.split('\n')[1]!.split(',')[0]!

  it('re-encodes a chart with the dataset after its end: reviewers see, and the researcher downloads, the picture alone', async () => {
    const submitted = Buffer.from(await inSandbox(['base64', '-w0', `${OUTBOX}/by-sex.png`]), 'base64')
    expect(submitted.includes(Buffer.from(firstPersonId()))).toBe(true)
    const { request, file } = await submit('by-sex.png')
    // stored under the re-encoding's digest, the submitted bytes' digest on record with the check
    expect(file.sha256).not.toBe(sha256(submitted))
    const disarmed = fileType(file).find((c) => c.message.includes(sha256(submitted)))
    expect(disarmed, JSON.stringify(file.checks)).toMatchObject({
      outcome: 'pass',
      message: expect.stringMatching(/decoded and re-encoded when it was submitted/)
    })
    // the figure has no table beside it: review, not a silent pass
    expect(file.outcome).toBe('review')

    for (const who of ['reviewer1', 'reviewer2']) {
      const res = await session.api.review(who, request.id, 'approve')
      expect(res.statusCode, res.body).toBe(200)
    }
    expect((await session.api.look('reviewer1', request.id)).state).toBe('released')
    const got = await session.api.call('researcher1', 'GET', `/api/v1/exports/${request.id}/files/${file.id}/content`)
    expect(got.statusCode, got.body).toBe(200)
    const bytes = got.rawPayload
    expect(sha256(bytes)).toBe(file.sha256)
    expect(bytes.includes(Buffer.from(firstPersonId()))).toBe(false)
    expect(bytes.includes(Buffer.from('prefecture_code'))).toBe(false)
    // still the same picture
    const [a, b] = await Promise.all(
      [submitted, bytes].map((x) => sharp(x).raw().toBuffer({ resolveWithObject: true }))
    )
    expect(b!.info).toMatchObject({ width: a!.info.width, height: a!.info.height })
    expect(b!.data.equals(a!.data)).toBe(true)
  }, 120_000)

  it('fails a JPEG header followed by the dataset, saying it does not decode', async () => {
    const { file } = await submit('photo.jpg')
    expect(file.outcome).toBe('fail')
    expect(fileType(file)).toContainEqual(
      expect.objectContaining({
        outcome: 'fail',
        message: expect.stringMatching(/is named \.jpg but it does not decode as a JPEG image \(.+\)/)
      })
    )
  }, 60_000)

  it('fails the dataset written as hex in a .txt, saying where', async () => {
    const { file } = await submit('notes.txt')
    expect(file.outcome).toBe('fail')
    expect(fileType(file)).toContainEqual(
      expect.objectContaining({
        outcome: 'fail',
        message: expect.stringMatching(/holds \d+ bytes of encoded data .* first noticed by line 2\b/),
        rows: expect.arrayContaining([1])
      })
    )
  }, 60_000)

  it('fails 50 patient rows base64-encoded in a .json, which at best would go to a reviewer', async () => {
    const { file } = await submit('model.json')
    expect(file.outcome).toBe('fail')
    expect(fileType(file)).toContainEqual(
      expect.objectContaining({ outcome: 'fail', message: expect.stringMatching(/encoded data/) })
    )
    expect(fileType(file)).toContainEqual(
      expect.objectContaining({
        outcome: 'review',
        message: expect.stringMatching(
          /a reviewer must read the whole file, because the checks cannot prove it holds nothing more/
        )
      })
    )
  }, 60_000)
})
