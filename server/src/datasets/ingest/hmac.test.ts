import { createHmac, randomBytes } from 'node:crypto'
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { CREATE_PADS_SQL, hmacPads, hmacSql, INSERT_PADS_SQL } from './hmac.js'

async function sqlHmac(key: Buffer, messages: string[]): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:')
  try {
    const con = await instance.connect()
    await con.run(CREATE_PADS_SQL)
    const pads = hmacPads(key)
    const insert = await con.prepare(INSERT_PADS_SQL)
    insert.bindVarchar(1, pads.ipad.toString('hex'))
    insert.bindVarchar(2, pads.opad.toString('hex'))
    await insert.run()
    await con.run('CREATE TABLE m (i INTEGER, v VARCHAR)')
    const appender = await con.createAppender('m')
    messages.forEach((v, i) => {
      appender.appendInteger(i)
      appender.appendVarchar(v)
      appender.endRow()
    })
    appender.closeSync()
    const rows = (await con.runAndReadAll(`SELECT ${hmacSql('m.v')} FROM m, hmac_pads ORDER BY m.i`)).getRowsJS()
    con.closeSync()
    return rows.map((r) => String(r[0]))
  } finally {
    instance.closeSync()
  }
}

const MESSAGES = ['', 'a', '00012345678', '山田\u3000太郎', 'O\'Neil, "quoted"', 'x'.repeat(1000), '\u{1F600}']

describe('HMAC-SHA256 in DuckDB SQL', () => {
  it.each([
    ['a 32-byte random key', randomBytes(32)],
    ['a short key', Buffer.from('key')],
    ['a key exactly one block long', randomBytes(64)],
    ['a key longer than a block, hashed first', randomBytes(100)]
  ])('matches node:crypto createHmac for %s', async (_, key) => {
    const expected = MESSAGES.map((m) => createHmac('sha256', key).update(m, 'utf8').digest('hex'))
    expect(await sqlHmac(key, MESSAGES)).toEqual(expected)
  })

  it('gives different results under different keys', async () => {
    const [a] = await sqlHmac(randomBytes(32), ['0001'])
    const [b] = await sqlHmac(randomBytes(32), ['0001'])
    expect(a).not.toBe(b)
  })
})
