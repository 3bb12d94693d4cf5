/**
 * Made-up identities for the raw (identifiable) form of a synthetic dataset: the direct
 * identifiers a real extract carries before pseudonymization — names in kanji and kana, full birth
 * dates, addresses with postcodes, telephone numbers, insurer numbers (保険者番号) and member
 * symbols and numbers (記号・番号). Drawn from short lists with the seeded generator, so the same seed
 * gives the same people. The insurer numbers have the layout and a Luhn-style check digit of real
 * ones but are not the numbers of real insurers; the postcodes have the right first digits for the
 * prefecture and are otherwise random.
 */
import { type Rng } from './prng.js'
import { INS_EHI, INS_LLE, INS_NHI, PREFECTURES } from './reference.js'

const FAMILY: readonly (readonly [string, string])[] = [
  ['佐藤', 'サトウ'],
  ['鈴木', 'スズキ'],
  ['高橋', 'タカハシ'],
  ['田中', 'タナカ'],
  ['伊藤', 'イトウ'],
  ['渡辺', 'ワタナベ'],
  ['山本', 'ヤマモト'],
  ['中村', 'ナカムラ'],
  ['小林', 'コバヤシ'],
  ['加藤', 'カトウ'],
  ['吉田', 'ヨシダ'],
  ['山田', 'ヤマダ'],
  ['佐々木', 'ササキ'],
  ['山口', 'ヤマグチ'],
  ['松本', 'マツモト'],
  ['井上', 'イノウエ'],
  ['木村', 'キムラ'],
  ['林', 'ハヤシ'],
  ['斎藤', 'サイトウ'],
  ['清水', 'シミズ'],
  ['山崎', 'ヤマザキ'],
  ['森', 'モリ'],
  ['池田', 'イケダ'],
  ['橋本', 'ハシモト'],
  ['阿部', 'アベ'],
  ['石川', 'イシカワ'],
  ['山下', 'ヤマシタ'],
  ['中島', 'ナカジマ'],
  ['石井', 'イシイ'],
  ['小川', 'オガワ']
]

const GIVEN_MALE: readonly (readonly [string, string])[] = [
  ['翔太', 'ショウタ'],
  ['大輔', 'ダイスケ'],
  ['健一', 'ケンイチ'],
  ['誠', 'マコト'],
  ['浩', 'ヒロシ'],
  ['茂', 'シゲル'],
  ['隆', 'タカシ'],
  ['拓也', 'タクヤ'],
  ['蓮', 'レン'],
  ['悠真', 'ユウマ'],
  ['大翔', 'ヒロト'],
  ['和夫', 'カズオ'],
  ['清', 'キヨシ'],
  ['修', 'オサム'],
  ['直樹', 'ナオキ']
]

const GIVEN_FEMALE: readonly (readonly [string, string])[] = [
  ['陽菜', 'ヒナ'],
  ['結衣', 'ユイ'],
  ['美咲', 'ミサキ'],
  ['恵子', 'ケイコ'],
  ['幸子', 'サチコ'],
  ['洋子', 'ヨウコ'],
  ['由美子', 'ユミコ'],
  ['明美', 'アケミ'],
  ['真由美', 'マユミ'],
  ['愛', 'アイ'],
  ['さくら', 'サクラ'],
  ['葵', 'アオイ'],
  ['久美子', 'クミコ'],
  ['和子', 'カズコ'],
  ['花子', 'ハナコ']
]

const CITIES = ['中央市', '緑市', '桜市', '旭市', '港市', '青葉市', '若葉市', '富士見市', '東山町', '西原村']
const TOWNS = ['本町', '栄町', '幸町', '東町', '西町', '南町', '北町', '新町', '元町', '緑町', '宮前', '川端']

/** First two digits of postcodes in each prefecture (JIS order), e.g. 06x for Sapporo, 16x for Tokyo. */
const POSTCODE_PREFIX = [
  '06',
  '03',
  '02',
  '98',
  '01',
  '99',
  '96',
  '31',
  '32',
  '37',
  '33',
  '26',
  '16',
  '22',
  '95',
  '93',
  '92',
  '91',
  '40',
  '38',
  '50',
  '42',
  '46',
  '51',
  '52',
  '60',
  '53',
  '65',
  '63',
  '64',
  '68',
  '69',
  '70',
  '73',
  '75',
  '77',
  '76',
  '79',
  '78',
  '81',
  '84',
  '85',
  '86',
  '87',
  '88',
  '89',
  '90'
]

/** Health insurers per prefecture and kind: people share insurers, as in real claims. */
const INSURERS_PER_PREFECTURE = 20

export interface Identity {
  nameKanji: string
  nameKana: string
  /** 'YYYY-MM-DD' */
  birthDate: string
  postcode: string
  address: string
  phone: string
  insurerNumber: string
  /** '' for late-stage elderly insurance, which has member numbers only. */
  memberSymbol: string
  memberNumber: string
}

const digits = (rng: Rng, n: number) => {
  let s = ''
  for (let i = 0; i < n; i++) s += String(rng.int(10))
  return s
}

/** Luhn-style check digit: from the right, digits weighted 2, 1, 2, ...; digit sums added. */
export function checkDigit(body: string): string {
  let sum = 0
  for (let i = 0; i < body.length; i++) {
    const d = Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 2 : 1)
    sum += d > 9 ? d - 9 : d
  }
  return String((10 - (sum % 10)) % 10)
}

/**
 * Insurer number (保険者番号): national health insurance has six digits (prefecture, insurer, check);
 * employees' insurance eight, starting with a law number (法別番号) such as 06; late-stage elderly
 * insurance eight, starting with 39.
 */
function insurerNumber(rng: Rng, insurer: number, pref: number): string {
  const p = String(pref).padStart(2, '0')
  const which = String(rng.int(INSURERS_PER_PREFECTURE) * 7 + 100).padStart(3, '0')
  const body = insurer === INS_NHI ? `${p}${which}` : insurer === INS_LLE ? `39${p}${which}` : `06${p}${which}`
  return body + checkDigit(body)
}

/** An identity for a person of the given sex (0 M, 1 F), birth month ('YYYY-MM'), prefecture (1-47) and insurer. */
export function makeIdentity(rng: Rng, sex: number, birthYm: string, pref: number, insurer: number): Identity {
  const family = FAMILY[rng.int(FAMILY.length)]!
  const givenList = sex === 0 ? GIVEN_MALE : GIVEN_FEMALE
  const given = givenList[rng.int(givenList.length)]!
  const [y, m] = birthYm.split('-').map(Number) as [number, number]
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate()
  const birthDate = `${birthYm}-${String(1 + rng.int(daysInMonth)).padStart(2, '0')}`
  const prefecture = PREFECTURES[pref - 1]!
  const postcode = `${POSTCODE_PREFIX[pref - 1]}${rng.int(10)}-${digits(rng, 4)}`
  const address =
    `${prefecture.ja}${CITIES[rng.int(CITIES.length)]}${TOWNS[rng.int(TOWNS.length)]}` +
    `${1 + rng.int(5)}丁目${1 + rng.int(30)}番${1 + rng.int(20)}号`
  const phone = rng.chance(0.6)
    ? `0${rng.chance(0.5) ? '9' : '8'}0-${digits(rng, 4)}-${digits(rng, 4)}`
    : `0${1 + rng.int(9)}${rng.int(10)}-${digits(rng, 3)}-${digits(rng, 4)}`
  const insurerNo = insurerNumber(rng, insurer, pref)
  const memberSymbol =
    insurer === INS_LLE ? '' : insurer === INS_EHI ? digits(rng, 4 + rng.int(2)) : `${1 + rng.int(99)}`
  const memberNumber =
    insurer === INS_LLE ? digits(rng, 8) : insurer === INS_EHI ? String(1 + rng.int(99_999)) : digits(rng, 6)
  return {
    nameKanji: `${family[0]}\u3000${given[0]}`,
    nameKana: `${family[1]}\u3000${given[1]}`,
    birthDate,
    postcode,
    address,
    phone,
    insurerNumber: insurerNo,
    memberSymbol,
    memberNumber
  }
}
