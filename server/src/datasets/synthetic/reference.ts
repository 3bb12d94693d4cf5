/**
 * Reference data for the synthetic claims/EHR generator: the study period, population weights, code
 * lists (ICD-10, drugs, procedures, lab tests), condition prevalences and care patterns.
 *
 * Figures are rounded approximations of published Japanese statistics (population estimates,
 * patient survey, NDB open data) chosen to give plausible shapes, not to reproduce any source.
 * Rare conditions are deliberately far more common than in reality (roughly 1 in 1,000-2,000) so
 * that small cells appear at every dataset size; see `CONDITIONS`.
 *
 * Drug codes are YJ-like: the first four digits are the real Japanese therapeutic category
 * (薬効分類), the rest is synthetic. ATC codes are real WHO codes. Procedure codes are section
 * numbers of the medical fee schedule (医科診療報酬点数表); points are rounded.
 */

// ---------------------------------------------------------------------------------------------
// Study period: fiscal years 2022-2024 (2022-04 .. 2025-03)

export const PERIOD_START_YEAR = 2022
export const PERIOD_START_MONTH = 4 // 1-based
export const PERIOD_MONTHS = 36

/** Absolute month number (year * 12 + month0) of the first study month. */
export const PERIOD_START_ABS = PERIOD_START_YEAR * 12 + (PERIOD_START_MONTH - 1)

/** 'YYYY-MM' of each study month. */
export const MONTHS: readonly string[] = Array.from({ length: PERIOD_MONTHS }, (_, m) =>
  absMonthLabel(PERIOD_START_ABS + m)
)

/** Days since 1970-01-01 of the first day of each study month, plus one past the end. */
export const MONTH_START_DAY: Int32Array = Int32Array.from({ length: PERIOD_MONTHS + 1 }, (_, m) => {
  const abs = PERIOD_START_ABS + m
  return Date.UTC(Math.floor(abs / 12), abs % 12, 1) / 86_400_000
})

export const PERIOD_FIRST_DAY = MONTH_START_DAY[0]!
export const PERIOD_LAST_DAY = MONTH_START_DAY[PERIOD_MONTHS]! - 1

export function absMonthLabel(abs: number): string {
  const y = Math.floor(abs / 12)
  const m = (abs % 12) + 1
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`
}

export function dayLabel(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10)
}

/** Calendar month (1-12) of a study month index. */
export function calendarMonth(m: number): number {
  return ((PERIOD_START_ABS + m) % 12) + 1
}

// ---------------------------------------------------------------------------------------------
// Population

export const SEXES = ['M', 'F'] as const
export const INSURERS = ['NHI', 'EHI', 'LLE'] as const
export const CLAIM_TYPES = ['outpatient', 'inpatient', 'dpc', 'pharmacy'] as const
export const FACILITY_TYPES = ['clinic', 'hospital', 'pharmacy'] as const

export const SEX_M = 0
export const SEX_F = 1
export const INS_NHI = 0
export const INS_EHI = 1
export const INS_LLE = 2
export const CT_OUTPATIENT = 0
export const CT_INPATIENT = 1
export const CT_DPC = 2
export const CT_PHARMACY = 3
export const FT_CLINIC = 0
export const FT_HOSPITAL = 1
export const FT_PHARMACY = 2

/** Population of Japan by 5-year age band (0-4 .. 100-104), thousands, around 2023. */
export const AGE_BAND_WEIGHTS: readonly number[] = [
  4300, 4900, 5300, 5500, 6200, 6400, 6400, 7200, 8000, 9400, 9600, 8100, 7400, 7600, 9200, 7300, 5700, 3900, 2000, 600,
  90
]

/** Share of women by age (older ages are mostly women). */
export function femaleShare(age: number): number {
  if (age < 60) return 0.49
  if (age < 75) return 0.52
  if (age < 85) return 0.58
  if (age < 95) return 0.68
  return 0.8
}

/** JIS X 0401 prefectures with population (10,000s, 2020 census, rounded). */
export const PREFECTURES: readonly { code: string; en: string; ja: string; weight: number }[] = [
  ['Hokkaido', '北海道', 522],
  ['Aomori', '青森県', 124],
  ['Iwate', '岩手県', 121],
  ['Miyagi', '宮城県', 230],
  ['Akita', '秋田県', 96],
  ['Yamagata', '山形県', 107],
  ['Fukushima', '福島県', 183],
  ['Ibaraki', '茨城県', 287],
  ['Tochigi', '栃木県', 193],
  ['Gunma', '群馬県', 194],
  ['Saitama', '埼玉県', 734],
  ['Chiba', '千葉県', 628],
  ['Tokyo', '東京都', 1405],
  ['Kanagawa', '神奈川県', 924],
  ['Niigata', '新潟県', 220],
  ['Toyama', '富山県', 103],
  ['Ishikawa', '石川県', 113],
  ['Fukui', '福井県', 77],
  ['Yamanashi', '山梨県', 81],
  ['Nagano', '長野県', 205],
  ['Gifu', '岐阜県', 198],
  ['Shizuoka', '静岡県', 363],
  ['Aichi', '愛知県', 754],
  ['Mie', '三重県', 177],
  ['Shiga', '滋賀県', 141],
  ['Kyoto', '京都府', 258],
  ['Osaka', '大阪府', 884],
  ['Hyogo', '兵庫県', 547],
  ['Nara', '奈良県', 132],
  ['Wakayama', '和歌山県', 92],
  ['Tottori', '鳥取県', 55],
  ['Shimane', '島根県', 67],
  ['Okayama', '岡山県', 189],
  ['Hiroshima', '広島県', 280],
  ['Yamaguchi', '山口県', 134],
  ['Tokushima', '徳島県', 72],
  ['Kagawa', '香川県', 95],
  ['Ehime', '愛媛県', 133],
  ['Kochi', '高知県', 69],
  ['Fukuoka', '福岡県', 514],
  ['Saga', '佐賀県', 81],
  ['Nagasaki', '長崎県', 131],
  ['Kumamoto', '熊本県', 174],
  ['Oita', '大分県', 112],
  ['Miyazaki', '宮崎県', 107],
  ['Kagoshima', '鹿児島県', 159],
  ['Okinawa', '沖縄県', 147]
].map(([en, ja, weight], i) => ({
  code: String(i + 1).padStart(2, '0'),
  en: en as string,
  ja: ja as string,
  weight: weight as number
}))

// ---------------------------------------------------------------------------------------------
// ICD-10 (WHO, dotted). Japanese claims carry many more disease names; this is the working subset.

export interface IcdCode {
  code: string
  en: string
  ja: string
}

export const ICD10: readonly IcdCode[] = (
  [
    ['I10', 'Essential (primary) hypertension', '本態性高血圧症'],
    ['E11.9', 'Type 2 diabetes mellitus without complications', '2型糖尿病'],
    ['E11.2', 'Type 2 diabetes mellitus with kidney complications', '2型糖尿病性腎症'],
    ['E11.3', 'Type 2 diabetes mellitus with ophthalmic complications', '2型糖尿病性網膜症'],
    ['E11.4', 'Type 2 diabetes mellitus with neurological complications', '2型糖尿病性神経障害'],
    ['E78.0', 'Pure hypercholesterolaemia', '高コレステロール血症'],
    ['E78.1', 'Pure hyperglyceridaemia', '高トリグリセライド血症'],
    ['E78.5', 'Hyperlipidaemia, unspecified', '脂質異常症'],
    ['N18.3', 'Chronic kidney disease, stage 3', '慢性腎臓病（ステージ3）'],
    ['N18.4', 'Chronic kidney disease, stage 4', '慢性腎臓病（ステージ4）'],
    ['N18.5', 'Chronic kidney disease, stage 5', '末期腎不全'],
    ['I50.0', 'Congestive heart failure', 'うっ血性心不全'],
    ['I50.9', 'Heart failure, unspecified', '心不全'],
    ['I48.0', 'Paroxysmal atrial fibrillation', '発作性心房細動'],
    ['I48.1', 'Persistent atrial fibrillation', '持続性心房細動'],
    ['I48.2', 'Chronic atrial fibrillation', '慢性心房細動'],
    ['J44.9', 'Chronic obstructive pulmonary disease, unspecified', '慢性閉塞性肺疾患'],
    ['J44.1', 'COPD with acute exacerbation', '慢性閉塞性肺疾患の急性増悪'],
    ['J45.9', 'Asthma, unspecified', '気管支喘息'],
    ['F32.9', 'Depressive episode, unspecified', 'うつ病'],
    ['F32.1', 'Moderate depressive episode', 'うつ病（中等症）'],
    ['F03', 'Unspecified dementia', '認知症'],
    ['G30.9', "Alzheimer's disease, unspecified", 'アルツハイマー型認知症'],
    ['M81.0', 'Postmenopausal osteoporosis', '閉経後骨粗鬆症'],
    ['M81.9', 'Osteoporosis, unspecified', '骨粗鬆症'],
    ['G47.0', 'Insomnia', '不眠症'],
    ['K21.0', 'Gastro-oesophageal reflux disease with oesophagitis', '逆流性食道炎'],
    ['E79.0', 'Hyperuricaemia', '高尿酸血症'],
    ['N40', 'Hyperplasia of prostate', '前立腺肥大症'],
    ['C16.9', 'Malignant neoplasm of stomach', '胃癌'],
    ['C18.9', 'Malignant neoplasm of colon', '結腸癌'],
    ['C18.7', 'Malignant neoplasm of sigmoid colon', 'S状結腸癌'],
    ['C34.9', 'Malignant neoplasm of bronchus or lung', '肺癌'],
    ['C34.1', 'Malignant neoplasm of upper lobe, bronchus or lung', '上葉肺癌'],
    ['C50.9', 'Malignant neoplasm of breast', '乳癌'],
    ['E75.2', 'Other sphingolipidosis (Fabry disease)', 'ファブリー病'],
    ['G12.2', 'Motor neuron disease (amyotrophic lateral sclerosis)', '筋萎縮性側索硬化症'],
    ['M30.3', 'Mucocutaneous lymph node syndrome (Kawasaki disease)', '川崎病'],
    ['I27.0', 'Primary pulmonary hypertension', '肺動脈性肺高血圧症'],
    ['J06.9', 'Acute upper respiratory infection, unspecified', '急性上気道炎'],
    ['J00', 'Acute nasopharyngitis (common cold)', 'かぜ症候群'],
    ['J02.9', 'Acute pharyngitis, unspecified', '急性咽頭炎'],
    ['J20.9', 'Acute bronchitis, unspecified', '急性気管支炎'],
    ['A09', 'Gastroenteritis and colitis of infectious origin', '感染性胃腸炎'],
    ['J30.2', 'Other seasonal allergic rhinitis (pollinosis)', '花粉症'],
    ['H10.9', 'Conjunctivitis, unspecified', '結膜炎'],
    ['L30.9', 'Dermatitis, unspecified', '湿疹'],
    ['M54.5', 'Low back pain', '腰痛症'],
    ['M17.9', 'Gonarthrosis, unspecified', '変形性膝関節症'],
    ['K59.0', 'Constipation', '便秘症'],
    ['K29.7', 'Gastritis, unspecified', '胃炎'],
    ['R51', 'Headache', '頭痛'],
    ['N39.0', 'Urinary tract infection, site not specified', '尿路感染症'],
    ['U07.1', 'COVID-19, virus identified', '新型コロナウイルス感染症'],
    ['J11.1', 'Influenza with other respiratory manifestations, virus not identified', 'インフルエンザ'],
    ['H66.9', 'Otitis media, unspecified', '中耳炎'],
    ['J21.9', 'Acute bronchiolitis, unspecified', '急性細気管支炎'],
    ['J18.9', 'Pneumonia, unspecified', '肺炎'],
    ['J69.0', 'Pneumonitis due to food and vomit', '誤嚥性肺炎'],
    ['I63.9', 'Cerebral infarction, unspecified', '脳梗塞'],
    ['S72.0', 'Fracture of neck of femur', '大腿骨頸部骨折'],
    ['H25.9', 'Senile cataract, unspecified', '老人性白内障'],
    ['D12.6', 'Benign neoplasm of colon, unspecified', '大腸ポリープ'],
    ['K80.2', 'Calculus of gallbladder without cholecystitis', '胆嚢結石症'],
    ['K35.8', 'Acute appendicitis, other and unspecified', '急性虫垂炎'],
    ['I21.9', 'Acute myocardial infarction, unspecified', '急性心筋梗塞'],
    ['K56.7', 'Ileus, unspecified', '腸閉塞'],
    ['E86', 'Volume depletion', '脱水症'],
    ['R56.0', 'Febrile convulsions', '熱性けいれん'],
    ['I20.9', 'Angina pectoris, unspecified', '狭心症'],
    ['K25.9', 'Gastric ulcer, unspecified', '胃潰瘍']
  ] as const
).map(([code, en, ja]) => ({ code, en, ja }))

const icdIndex = new Map(ICD10.map((c, i) => [c.code, i]))

export function icd(code: string): number {
  const i = icdIndex.get(code)
  if (i === undefined) throw new Error(`unknown ICD-10 code in reference data: ${code}`)
  return i
}

// ---------------------------------------------------------------------------------------------
// Drugs

export type DrugForm = 'F' | 'M' | 'C' | 'A' | 'G' | 'S' | 'Q'

export interface Drug {
  key: string
  /** YJ-like 12-character code: real 4-digit therapeutic category + synthetic remainder. */
  code: string
  genericName: string
  atc: string
  form: DrugForm
  /** Price of one unit (tablet, capsule, device, vial, g, mL) in yen, rounded 2024 NHI prices. */
  yenPerUnit: number
  /** Units per day for daily use, or units per administration for `schedule` other than daily. */
  units: number
  /** daily: quantity = units x days; weekly: one dose a week; dose: quantity = units per visit. */
  schedule: 'daily' | 'weekly' | 'dose'
}

const DRUG_ROWS: readonly [string, string, string, string, DrugForm, number, number, Drug['schedule']][] = [
  // key, generic name, ATC, 薬効分類, form, yen/unit, units, schedule
  ['amlodipine', 'amlodipine besilate', 'C08CA01', '2171', 'F', 10.1, 1, 'daily'],
  ['candesartan', 'candesartan cilexetil', 'C09CA06', '2149', 'F', 20.3, 1, 'daily'],
  ['olmesartan', 'olmesartan medoxomil', 'C09CA08', '2149', 'F', 24.1, 1, 'daily'],
  ['telmisartan', 'telmisartan', 'C09CA07', '2149', 'F', 19.8, 1, 'daily'],
  ['azilsartan', 'azilsartan', 'C09CA09', '2149', 'F', 69.4, 1, 'daily'],
  ['hydrochlorothiazide', 'hydrochlorothiazide', 'C03AA03', '2132', 'F', 6.1, 1, 'daily'],
  ['bisoprolol', 'bisoprolol fumarate', 'C07AB07', '2123', 'F', 15.2, 1, 'daily'],
  ['carvedilol', 'carvedilol', 'C07AG02', '2149', 'F', 12.3, 2, 'daily'],
  ['furosemide', 'furosemide', 'C03CA01', '2139', 'F', 9.8, 1, 'daily'],
  ['spironolactone', 'spironolactone', 'C03DA01', '2133', 'F', 5.9, 1, 'daily'],
  ['sacubitril-valsartan', 'sacubitril/valsartan', 'C09DX04', '2190', 'F', 98.6, 2, 'daily'],
  ['metformin', 'metformin hydrochloride', 'A10BA02', '3962', 'F', 10.1, 3, 'daily'],
  ['sitagliptin', 'sitagliptin phosphate', 'A10BH01', '3969', 'F', 109.6, 1, 'daily'],
  ['linagliptin', 'linagliptin', 'A10BH05', '3969', 'F', 130.2, 1, 'daily'],
  ['teneligliptin', 'teneligliptin hydrobromide', 'A10BH08', '3969', 'F', 108.7, 1, 'daily'],
  ['empagliflozin', 'empagliflozin', 'A10BK03', '3969', 'F', 187.1, 1, 'daily'],
  ['dapagliflozin', 'dapagliflozin propylene glycolate', 'A10BK01', '3969', 'F', 189.5, 1, 'daily'],
  ['insulin-glargine', 'insulin glargine', 'A10AE04', '2492', 'A', 1320, 0.067, 'daily'],
  ['insulin-aspart', 'insulin aspart', 'A10AB05', '2492', 'A', 1410, 0.1, 'daily'],
  ['semaglutide', 'semaglutide', 'A10BJ06', '2499', 'A', 11_000, 0.036, 'daily'],
  ['atorvastatin', 'atorvastatin calcium', 'C10AA05', '2189', 'F', 15.4, 1, 'daily'],
  ['rosuvastatin', 'rosuvastatin calcium', 'C10AA07', '2189', 'F', 17.1, 1, 'daily'],
  ['pitavastatin', 'pitavastatin calcium', 'C10AA08', '2189', 'F', 19.9, 1, 'daily'],
  ['ezetimibe', 'ezetimibe', 'C10AX09', '2189', 'F', 39.6, 1, 'daily'],
  ['icosapent', 'icosapent ethyl', 'C10AX06', '2189', 'M', 40.2, 2, 'daily'],
  ['edoxaban', 'edoxaban tosilate', 'B01AF03', '3339', 'F', 269.4, 1, 'daily'],
  ['apixaban', 'apixaban', 'B01AF02', '3339', 'F', 131.5, 2, 'daily'],
  ['rivaroxaban', 'rivaroxaban', 'B01AF01', '3339', 'F', 279.9, 1, 'daily'],
  ['warfarin', 'warfarin potassium', 'B01AA03', '3332', 'F', 9.8, 3, 'daily'],
  ['tiotropium', 'tiotropium bromide', 'R03BB04', '2259', 'G', 6010, 0.034, 'daily'],
  ['umeclidinium-vilanterol', 'umeclidinium/vilanterol', 'R03AL03', '2259', 'G', 6930, 0.034, 'daily'],
  ['tiotropium-olodaterol', 'tiotropium/olodaterol', 'R03AL06', '2259', 'G', 7120, 0.034, 'daily'],
  ['budesonide-formoterol', 'budesonide/formoterol', 'R03AK07', '2290', 'G', 3310, 0.067, 'daily'],
  ['fluticasone-salmeterol', 'fluticasone propionate/salmeterol', 'R03AK06', '2290', 'G', 3790, 0.036, 'daily'],
  ['montelukast', 'montelukast sodium', 'R03DC03', '4490', 'F', 58.7, 1, 'daily'],
  ['escitalopram', 'escitalopram oxalate', 'N06AB10', '1179', 'F', 118.4, 1, 'daily'],
  ['sertraline', 'sertraline hydrochloride', 'N06AB06', '1179', 'F', 39.2, 1, 'daily'],
  ['mirtazapine', 'mirtazapine', 'N06AX11', '1179', 'F', 51.7, 1, 'daily'],
  ['duloxetine', 'duloxetine hydrochloride', 'N06AX21', '1179', 'M', 69.8, 1, 'daily'],
  ['vortioxetine', 'vortioxetine hydrobromide', 'N06AX26', '1179', 'F', 171.2, 1, 'daily'],
  ['donepezil', 'donepezil hydrochloride', 'N06DA02', '1190', 'F', 58.4, 1, 'daily'],
  ['memantine', 'memantine hydrochloride', 'N06DX01', '1190', 'F', 101.3, 1, 'daily'],
  ['galantamine', 'galantamine hydrobromide', 'N06DA04', '1190', 'F', 68.9, 2, 'daily'],
  ['rivastigmine', 'rivastigmine', 'N06DA03', '1190', 'S', 238.5, 1, 'daily'],
  ['alendronate', 'alendronate sodium hydrate', 'M05BA04', '3999', 'F', 298.1, 1, 'weekly'],
  ['risedronate', 'sodium risedronate hydrate', 'M05BA07', '3999', 'F', 352.6, 1, 'weekly'],
  ['denosumab', 'denosumab', 'M05BX04', '3999', 'A', 26_978, 1, 'dose'],
  ['teriparatide', 'teriparatide', 'H05AA02', '2439', 'A', 40_110, 0.036, 'daily'],
  ['raloxifene', 'raloxifene hydrochloride', 'G03XC01', '3999', 'F', 48.9, 1, 'daily'],
  ['romosozumab', 'romosozumab', 'M05BX06', '3999', 'A', 23_060, 1, 'dose'],
  ['zolpidem', 'zolpidem tartrate', 'N05CF02', '1129', 'F', 14.6, 1, 'daily'],
  ['suvorexant', 'suvorexant', 'N05CJ01', '1190', 'F', 80.1, 1, 'daily'],
  ['lemborexant', 'lemborexant', 'N05CJ02', '1190', 'F', 84.5, 1, 'daily'],
  ['brotizolam', 'brotizolam', 'N05CD09', '1124', 'F', 10.1, 1, 'daily'],
  ['vonoprazan', 'vonoprazan fumarate', 'A02BC08', '2329', 'F', 101.8, 1, 'daily'],
  ['esomeprazole', 'esomeprazole magnesium hydrate', 'A02BC05', '2329', 'M', 59.1, 1, 'daily'],
  ['lansoprazole', 'lansoprazole', 'A02BC03', '2329', 'F', 31.4, 1, 'daily'],
  ['rabeprazole', 'rabeprazole sodium', 'A02BC04', '2329', 'F', 35.2, 1, 'daily'],
  ['febuxostat', 'febuxostat', 'M04AA03', '3949', 'F', 40.6, 1, 'daily'],
  ['allopurinol', 'allopurinol', 'M04AA01', '3943', 'F', 10.1, 2, 'daily'],
  ['benzbromarone', 'benzbromarone', 'M04AB03', '3949', 'F', 9.0, 1, 'daily'],
  ['tamsulosin', 'tamsulosin hydrochloride', 'G04CA02', '2590', 'M', 24.8, 1, 'daily'],
  ['silodosin', 'silodosin', 'G04CA04', '2590', 'F', 29.7, 2, 'daily'],
  ['dutasteride', 'dutasteride', 'G04CB02', '2499', 'M', 91.1, 1, 'daily'],
  ['tadalafil-bph', 'tadalafil', 'G04BE08', '2590', 'F', 89.9, 1, 'daily'],
  ['darbepoetin', 'darbepoetin alfa', 'B03XA02', '3999', 'A', 4010, 4, 'dose'],
  ['lanthanum', 'lanthanum carbonate hydrate', 'V03AE03', '2190', 'F', 102.4, 3, 'daily'],
  ['sevelamer', 'sevelamer hydrochloride', 'V03AE02', '2190', 'F', 15.8, 9, 'daily'],
  ['s-1', 'tegafur/gimeracil/oteracil potassium', 'L01BC53', '4229', 'M', 498.3, 4, 'daily'],
  ['capecitabine', 'capecitabine', 'L01BC06', '4223', 'F', 211.6, 6, 'daily'],
  ['osimertinib', 'osimertinib mesilate', 'L01EB04', '4291', 'F', 22_080, 1, 'daily'],
  ['pembrolizumab', 'pembrolizumab', 'L01FF02', '4291', 'A', 214_498, 2, 'dose'],
  ['letrozole', 'letrozole', 'L02BG04', '4291', 'F', 152.3, 1, 'daily'],
  ['anastrozole', 'anastrozole', 'L02BG03', '4291', 'F', 148.9, 1, 'daily'],
  ['tamoxifen', 'tamoxifen citrate', 'L02BA01', '4291', 'F', 61.2, 1, 'daily'],
  ['agalsidase-beta', 'agalsidase beta', 'A16AB04', '3959', 'A', 561_900, 4, 'dose'],
  ['migalastat', 'migalastat hydrochloride', 'A16AX14', '3999', 'M', 145_418, 0.5, 'daily'],
  ['riluzole', 'riluzole', 'N07XX02', '1190', 'F', 1034, 2, 'daily'],
  ['edaravone', 'edaravone', 'N07XX14', '1190', 'A', 5929, 20, 'dose'],
  ['bosentan', 'bosentan hydrate', 'C02KX01', '2190', 'F', 2810, 2, 'daily'],
  ['macitentan', 'macitentan', 'C02KX04', '2190', 'F', 16_174, 1, 'daily'],
  ['tadalafil-pah', 'tadalafil', 'G04BE08', '2190', 'F', 2017, 2, 'daily'],
  ['selexipag', 'selexipag', 'B01AC27', '2190', 'F', 3581, 4, 'daily'],
  ['ivig', 'human normal immunoglobulin', 'J06BA02', '6343', 'A', 44_080, 6, 'dose'],
  ['aspirin', 'aspirin', 'B01AC06', '3399', 'F', 5.7, 1, 'daily'],
  ['acetaminophen', 'acetaminophen', 'N02BE01', '1141', 'F', 7.0, 3, 'daily'],
  ['carbocisteine', 'L-carbocisteine', 'R05CB03', '2233', 'F', 6.0, 3, 'daily'],
  ['dextromethorphan', 'dextromethorphan hydrobromide', 'R05DA09', '2223', 'F', 5.7, 3, 'daily'],
  ['amoxicillin', 'amoxicillin hydrate', 'J01CA04', '6131', 'M', 11.0, 3, 'daily'],
  ['cefaclor', 'cefaclor', 'J01DC04', '6132', 'M', 30.3, 3, 'daily'],
  ['clarithromycin', 'clarithromycin', 'J01FA09', '6149', 'F', 25.4, 2, 'daily'],
  ['levofloxacin', 'levofloxacin hydrate', 'J01MA12', '6241', 'F', 59.8, 1, 'daily'],
  ['fexofenadine', 'fexofenadine hydrochloride', 'R06AX26', '4490', 'F', 20.1, 2, 'daily'],
  ['bilastine', 'bilastine', 'R06AX29', '4490', 'F', 50.2, 1, 'daily'],
  ['oseltamivir', 'oseltamivir phosphate', 'J05AH02', '6250', 'M', 205.8, 2, 'daily'],
  ['baloxavir', 'baloxavir marboxil', 'J05AX25', '6250', 'F', 2404, 2, 'dose'],
  ['celecoxib', 'celecoxib', 'M01AH01', '1149', 'F', 24.9, 2, 'daily'],
  ['rebamipide', 'rebamipide', 'A02BX14', '2329', 'F', 10.1, 3, 'daily'],
  ['famotidine', 'famotidine', 'A02BA03', '2325', 'F', 10.1, 2, 'daily'],
  ['magnesium-oxide', 'magnesium oxide', 'A02AA02', '2344', 'F', 5.7, 3, 'daily'],
  ['sennoside', 'sennoside A/B', 'A06AB06', '2354', 'F', 5.0, 2, 'daily'],
  ['domperidone', 'domperidone', 'A03FA03', '2399', 'F', 6.0, 3, 'daily'],
  ['betamethasone-valerate', 'betamethasone valerate (ointment)', 'D07AC01', '2646', 'S', 18.0, 10, 'dose'],
  ['levofloxacin-eye', 'levofloxacin hydrate (eye drops)', 'S01AE05', '1319', 'Q', 131.0, 5, 'dose']
]

function yjLike(category: string, serial: number, form: DrugForm): string {
  const body = `${category}${String(serial).padStart(3, '0')}${form}1${String((serial * 7) % 100).padStart(2, '0')}`
  let sum = 0
  for (let i = 0; i < body.length; i++) sum += body.charCodeAt(i) * (i + 1)
  return body + String(sum % 10)
}

export const DRUGS: readonly Drug[] = (() => {
  const serials = new Map<string, number>()
  return DRUG_ROWS.map(([key, genericName, atc, category, form, yenPerUnit, units, schedule]) => {
    const serial = (serials.get(category) ?? 0) + 1
    serials.set(category, serial)
    return { key, code: yjLike(category, 10 + serial * 3, form), genericName, atc, form, yenPerUnit, units, schedule }
  })
})()

const drugIndex = new Map(DRUGS.map((d, i) => [d.key, i]))

export function drug(key: string): number {
  const i = drugIndex.get(key)
  if (i === undefined) throw new Error(`unknown drug in reference data: ${key}`)
  return i
}

// ---------------------------------------------------------------------------------------------
// Procedures (fee-schedule section codes). Basic consultation fees are counted in claims.points
// but not listed as procedures.

export interface Procedure {
  code: string
  en: string
  ja: string
  points: number
}

export const PROCEDURES: readonly Procedure[] = (
  [
    ['D005', 'Complete blood count', '末梢血液一般検査', 21],
    ['D007', 'Blood chemistry panel', '血液化学検査', 110],
    ['D008', 'Endocrine test (BNP)', '内分泌学的検査（BNP）', 130],
    ['D012', 'Rapid antigen test for infection', '感染症免疫学的検査（迅速抗原）', 150],
    ['D023', 'Nucleic acid amplification test (PCR)', '微生物核酸同定・定量検査（PCR）', 700],
    ['D200', 'Spirometry', 'スパイログラフィー等検査', 230],
    ['D208', 'Electrocardiogram', '心電図検査', 130],
    ['D215', 'Ultrasonography (echocardiography)', '超音波検査（心臓超音波）', 880],
    ['D217', 'Bone densitometry', '骨塩定量検査', 450],
    ['D285', 'Cognitive function test', '認知機能検査', 80],
    ['D308', 'Upper gastrointestinal endoscopy', '胃・十二指腸ファイバースコピー', 1140],
    ['D313', 'Colonoscopy', '大腸内視鏡検査', 1550],
    ['E001', 'Plain radiography', '単純撮影・写真診断', 210],
    ['E200', 'Computed tomography', 'コンピューター断層撮影（CT）', 1460],
    ['E202', 'Magnetic resonance imaging', '磁気共鳴コンピューター断層撮影（MRI）', 1900],
    ['G004', 'Intravenous drip infusion', '点滴注射', 100],
    ['B001-2-12', 'Outpatient chemotherapy management', '外来腫瘍化学療法診療料', 700],
    ['J038', 'Haemodialysis', '人工腎臓', 1990],
    ['K282', 'Cataract surgery (lens reconstruction)', '水晶体再建術', 12_100],
    ['K721', 'Endoscopic colonic polypectomy', '内視鏡的大腸ポリープ・粘膜切除術', 5000],
    ['K081', 'Hip hemiarthroplasty', '人工骨頭挿入術', 19_500],
    ['K046', 'Open reduction and internal fixation', '骨折観血的手術', 21_630],
    ['K546', 'Percutaneous coronary intervention', '経皮的冠動脈形成術', 24_380],
    ['K595', 'Catheter ablation', '経皮的カテーテル心筋焼灼術', 40_760],
    ['K672-2', 'Laparoscopic cholecystectomy', '腹腔鏡下胆嚢摘出術', 21_500],
    ['K718-2', 'Laparoscopic appendectomy', '腹腔鏡下虫垂切除術', 22_050],
    ['K655-2', 'Laparoscopic gastrectomy', '腹腔鏡下胃切除術', 64_120],
    ['K719-3', 'Laparoscopic colectomy for malignancy', '腹腔鏡下結腸悪性腫瘍切除術', 59_510],
    ['K514-2', 'Thoracoscopic resection of lung malignancy', '胸腔鏡下肺悪性腫瘍手術', 92_000],
    ['K476', 'Mastectomy for breast malignancy', '乳腺悪性腫瘍手術', 28_000]
  ] as const
).map(([code, en, ja, points]) => ({ code, en, ja, points }))

const procedureIndex = new Map(PROCEDURES.map((p, i) => [p.code, i]))

export function procedure(code: string): number {
  const i = procedureIndex.get(code)
  if (i === undefined) throw new Error(`unknown procedure in reference data: ${code}`)
  return i
}

// ---------------------------------------------------------------------------------------------
// Lab tests (EHR)

export const LAB_TESTS: readonly { code: string; unit: string; en: string }[] = [
  { code: 'HbA1c', unit: '%', en: 'Haemoglobin A1c (NGSP)' },
  { code: 'Cr', unit: 'mg/dL', en: 'Serum creatinine' },
  { code: 'eGFR', unit: 'mL/min/1.73m2', en: 'Estimated GFR (Japanese equation)' },
  { code: 'LDL', unit: 'mg/dL', en: 'LDL cholesterol' },
  { code: 'SBP', unit: 'mmHg', en: 'Systolic blood pressure' },
  { code: 'DBP', unit: 'mmHg', en: 'Diastolic blood pressure' },
  { code: 'BMI', unit: 'kg/m2', en: 'Body mass index' },
  { code: 'BNP', unit: 'pg/mL', en: 'B-type natriuretic peptide' }
]

export const LAB_HBA1C = 0
export const LAB_CR = 1
export const LAB_EGFR = 2
export const LAB_LDL = 3
export const LAB_SBP = 4
export const LAB_DBP = 5
export const LAB_BMI = 6
export const LAB_BNP = 7

// ---------------------------------------------------------------------------------------------
// Chronic and rare conditions

/** Where a condition is looked after: the regular clinic, a hospital outpatient department, or in episodes. */
export type Care = 'clinic' | 'hospital' | 'episode'

export interface Condition {
  key: string
  /** Period prevalence (percent) by 10-year age band 0-9 .. 90+, men then women. */
  men: readonly number[]
  women: readonly number[]
  /** Share of cases whose first diagnosis falls inside the period (the rest predate it). */
  incident: number
  /** Log-odds weight on the patient's latent metabolic risk. */
  metabolic: number
  /** Conditions (earlier in the list) that raise the odds, with the odds ratio. */
  risk: readonly (readonly [string, number])[]
  /** ICD-10 codes with weights; one is chosen per patient. */
  codes: readonly (readonly [string, number])[]
  care: Care
  /** Treatment regimens with weights; drugs given at every visit. */
  regimens: readonly (readonly [number, readonly string[]])[]
  /** Manages a 'specific disease' (特定疾患療養管理料) at the clinic. */
  managed?: boolean
}

/**
 * In priority order: the first active condition at a visit is the claim's primary diagnosis, and
 * `risk` may only name conditions listed before.
 */
export const CONDITIONS: readonly Condition[] = [
  {
    key: 'fabry',
    men: [0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06],
    women: [0.04, 0.04, 0.04, 0.04, 0.04, 0.04, 0.04, 0.04, 0.04, 0.04],
    incident: 0.1,
    metabolic: 0,
    risk: [],
    codes: [['E75.2', 1]],
    care: 'hospital',
    regimens: [
      [0.7, ['agalsidase-beta']],
      [0.3, ['migalastat']]
    ]
  },
  {
    key: 'als',
    men: [0, 0, 0, 0.012, 0.06, 0.12, 0.18, 0.18, 0.12, 0.05],
    women: [0, 0, 0, 0.008, 0.04, 0.08, 0.12, 0.12, 0.08, 0.04],
    incident: 0.35,
    metabolic: 0,
    risk: [],
    codes: [['G12.2', 1]],
    care: 'hospital',
    regimens: [
      [0.6, ['riluzole']],
      [0.4, ['riluzole', 'edaravone']]
    ]
  },
  {
    key: 'pah',
    men: [0, 0.01, 0.02, 0.03, 0.04, 0.04, 0.04, 0.03, 0.02, 0.01],
    women: [0, 0.02, 0.06, 0.08, 0.09, 0.09, 0.08, 0.06, 0.04, 0.02],
    incident: 0.15,
    metabolic: 0,
    risk: [],
    codes: [['I27.0', 1]],
    care: 'hospital',
    regimens: [
      [0.35, ['macitentan', 'tadalafil-pah']],
      [0.25, ['bosentan', 'tadalafil-pah']],
      [0.25, ['macitentan', 'tadalafil-pah', 'selexipag']],
      [0.15, ['tadalafil-pah']]
    ]
  },
  {
    key: 'kawasaki',
    // Children under 10 only; always an episode inside the period (admission, IVIG, follow-up).
    men: [1.3, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    women: [0.9, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    incident: 1,
    metabolic: 0,
    risk: [],
    codes: [['M30.3', 1]],
    care: 'episode',
    regimens: [[1, ['aspirin']]]
  },
  {
    key: 'stomach-cancer',
    men: [0, 0, 0.005, 0.03, 0.12, 0.35, 0.8, 1.3, 1.4, 1.2],
    women: [0, 0, 0.005, 0.03, 0.08, 0.15, 0.3, 0.5, 0.6, 0.5],
    incident: 0.3,
    metabolic: 0,
    risk: [],
    codes: [['C16.9', 1]],
    care: 'hospital',
    regimens: [
      [0.45, ['s-1']],
      [0.55, []]
    ]
  },
  {
    key: 'colon-cancer',
    men: [0, 0, 0.005, 0.03, 0.12, 0.3, 0.65, 1, 1.1, 1],
    women: [0, 0, 0.005, 0.03, 0.1, 0.22, 0.45, 0.7, 0.8, 0.8],
    incident: 0.3,
    metabolic: 0.1,
    risk: [],
    codes: [
      ['C18.9', 0.7],
      ['C18.7', 0.3]
    ],
    care: 'hospital',
    regimens: [
      [0.4, ['capecitabine']],
      [0.6, []]
    ]
  },
  {
    key: 'lung-cancer',
    men: [0, 0, 0, 0.01, 0.05, 0.2, 0.55, 0.9, 0.8, 0.5],
    women: [0, 0, 0, 0.01, 0.04, 0.12, 0.25, 0.35, 0.3, 0.2],
    incident: 0.35,
    metabolic: 0,
    risk: [],
    codes: [
      ['C34.9', 0.6],
      ['C34.1', 0.4]
    ],
    care: 'hospital',
    regimens: [
      [0.25, ['osimertinib']],
      [0.3, ['pembrolizumab']],
      [0.45, []]
    ]
  },
  {
    key: 'breast-cancer',
    men: [0, 0, 0, 0, 0.005, 0.01, 0.02, 0.02, 0.02, 0.02],
    women: [0, 0, 0.02, 0.3, 1.0, 1.4, 1.4, 1.1, 0.8, 0.6],
    incident: 0.25,
    metabolic: 0,
    risk: [],
    codes: [['C50.9', 1]],
    care: 'hospital',
    regimens: [
      [0.35, ['letrozole']],
      [0.2, ['anastrozole']],
      [0.2, ['tamoxifen']],
      [0.25, []]
    ]
  },
  {
    key: 'hypertension',
    men: [0, 0.1, 1, 4, 12, 24, 38, 50, 57, 60],
    women: [0, 0.1, 0.5, 2, 7, 17, 32, 48, 58, 62],
    incident: 0.12,
    metabolic: 0.5,
    risk: [],
    codes: [['I10', 1]],
    care: 'clinic',
    managed: true,
    regimens: [
      [0.3, ['amlodipine']],
      [0.1, ['candesartan']],
      [0.08, ['olmesartan']],
      [0.05, ['telmisartan']],
      [0.04, ['azilsartan']],
      [0.12, ['amlodipine', 'olmesartan']],
      [0.1, ['amlodipine', 'telmisartan']],
      [0.08, ['amlodipine', 'azilsartan']],
      [0.07, ['amlodipine', 'candesartan', 'hydrochlorothiazide']],
      [0.06, ['amlodipine', 'bisoprolol']]
    ]
  },
  {
    key: 'diabetes',
    men: [0.02, 0.05, 0.3, 1.5, 5, 11, 18, 22, 20, 16],
    women: [0.02, 0.05, 0.2, 0.8, 2.5, 5.5, 10, 14, 14, 11],
    incident: 0.12,
    metabolic: 0.6,
    risk: [['hypertension', 1.8]],
    codes: [
      ['E11.9', 0.7],
      ['E11.2', 0.12],
      ['E11.3', 0.1],
      ['E11.4', 0.08]
    ],
    care: 'clinic',
    managed: true,
    regimens: [
      [0.12, ['sitagliptin']],
      [0.1, ['linagliptin']],
      [0.08, ['teneligliptin']],
      [0.12, ['metformin']],
      [0.12, ['sitagliptin', 'metformin']],
      [0.08, ['linagliptin', 'metformin']],
      [0.07, ['sitagliptin', 'empagliflozin']],
      [0.05, ['teneligliptin', 'dapagliflozin']],
      [0.06, ['metformin', 'empagliflozin']],
      [0.08, ['linagliptin', 'metformin', 'dapagliflozin']],
      [0.07, ['insulin-glargine', 'insulin-aspart']],
      [0.05, ['semaglutide', 'metformin']]
    ]
  },
  {
    key: 'dyslipidaemia',
    men: [0, 0.1, 1, 4, 10, 18, 24, 26, 22, 15],
    women: [0, 0.1, 0.5, 1.5, 5, 16, 28, 32, 26, 18],
    incident: 0.12,
    metabolic: 0.4,
    risk: [
      ['hypertension', 1.6],
      ['diabetes', 1.8]
    ],
    codes: [
      ['E78.5', 0.6],
      ['E78.0', 0.3],
      ['E78.1', 0.1]
    ],
    care: 'clinic',
    managed: true,
    regimens: [
      [0.32, ['rosuvastatin']],
      [0.2, ['atorvastatin']],
      [0.24, ['pitavastatin']],
      [0.1, ['rosuvastatin', 'ezetimibe']],
      [0.06, ['ezetimibe']],
      [0.08, ['icosapent']]
    ]
  },
  {
    key: 'ckd',
    men: [0, 0.05, 0.1, 0.3, 0.8, 1.8, 3.5, 6.5, 10, 12],
    women: [0, 0.05, 0.1, 0.2, 0.5, 1.1, 2.2, 4.5, 8, 10],
    incident: 0.12,
    metabolic: 0.3,
    risk: [
      ['hypertension', 2],
      ['diabetes', 2.5]
    ],
    codes: [
      ['N18.3', 0.68],
      ['N18.4', 0.2],
      ['N18.5', 0.12]
    ],
    care: 'clinic',
    managed: true,
    regimens: [
      [0.3, ['febuxostat']],
      [0.25, ['dapagliflozin']],
      [0.45, []]
    ]
  },
  {
    key: 'heart-failure',
    men: [0.02, 0.02, 0.05, 0.2, 0.6, 1.5, 3.5, 8, 15, 22],
    women: [0.02, 0.02, 0.05, 0.1, 0.3, 0.8, 2.3, 6.5, 14, 22],
    incident: 0.15,
    metabolic: 0.2,
    risk: [
      ['hypertension', 1.8],
      ['diabetes', 1.4],
      ['ckd', 1.8]
    ],
    codes: [
      ['I50.0', 0.6],
      ['I50.9', 0.4]
    ],
    care: 'clinic',
    managed: true,
    regimens: [
      [0.25, ['carvedilol', 'furosemide']],
      [0.2, ['bisoprolol', 'furosemide', 'spironolactone']],
      [0.2, ['sacubitril-valsartan', 'bisoprolol', 'dapagliflozin']],
      [0.2, ['furosemide', 'dapagliflozin']],
      [0.15, ['carvedilol', 'spironolactone', 'empagliflozin']]
    ]
  },
  {
    key: 'atrial-fibrillation',
    men: [0, 0, 0.05, 0.2, 0.7, 1.8, 3.8, 6, 7, 6.5],
    women: [0, 0, 0.02, 0.05, 0.2, 0.6, 1.7, 3.5, 5, 5],
    incident: 0.15,
    metabolic: 0.1,
    risk: [
      ['hypertension', 1.4],
      ['heart-failure', 3]
    ],
    codes: [
      ['I48.0', 0.38],
      ['I48.1', 0.22],
      ['I48.2', 0.4]
    ],
    care: 'clinic',
    managed: true,
    regimens: [
      [0.22, ['edoxaban', 'bisoprolol']],
      [0.13, ['edoxaban']],
      [0.2, ['apixaban', 'bisoprolol']],
      [0.15, ['apixaban']],
      [0.18, ['rivaroxaban']],
      [0.12, ['warfarin', 'bisoprolol']]
    ]
  },
  {
    key: 'copd',
    men: [0, 0, 0, 0.05, 0.3, 1, 3, 5.5, 7, 6],
    women: [0, 0, 0, 0.03, 0.1, 0.3, 0.8, 1.5, 2, 2],
    incident: 0.12,
    metabolic: 0,
    risk: [],
    codes: [['J44.9', 1]],
    care: 'clinic',
    managed: true,
    regimens: [
      [0.4, ['umeclidinium-vilanterol']],
      [0.35, ['tiotropium']],
      [0.25, ['tiotropium-olodaterol']]
    ]
  },
  {
    key: 'asthma',
    men: [9, 6, 3.5, 3.5, 3.5, 3.5, 4, 5, 6, 6],
    women: [6, 5, 4, 4.5, 4.5, 4.5, 5, 5.5, 6, 5],
    incident: 0.12,
    metabolic: 0,
    risk: [],
    codes: [['J45.9', 1]],
    care: 'clinic',
    managed: true,
    regimens: [
      [0.35, ['budesonide-formoterol']],
      [0.25, ['fluticasone-salmeterol', 'montelukast']],
      [0.4, ['montelukast']]
    ]
  },
  {
    key: 'dementia',
    men: [0, 0, 0, 0, 0.05, 0.3, 1.2, 6, 17, 30],
    women: [0, 0, 0, 0, 0.05, 0.3, 1.3, 8, 24, 40],
    incident: 0.2,
    metabolic: 0.1,
    risk: [['diabetes', 1.3]],
    codes: [
      ['G30.9', 0.6],
      ['F03', 0.4]
    ],
    care: 'clinic',
    regimens: [
      [0.5, ['donepezil']],
      [0.2, ['memantine']],
      [0.1, ['donepezil', 'memantine']],
      [0.1, ['galantamine']],
      [0.1, ['rivastigmine']]
    ]
  },
  {
    key: 'depression',
    men: [0, 1, 3, 3.5, 3.5, 3, 2.5, 2.5, 3, 3],
    women: [0, 1.5, 5, 5.5, 5.5, 4.5, 4, 4, 4, 4],
    incident: 0.2,
    metabolic: 0,
    risk: [],
    codes: [
      ['F32.9', 0.8],
      ['F32.1', 0.2]
    ],
    care: 'clinic',
    regimens: [
      [0.3, ['escitalopram']],
      [0.2, ['sertraline']],
      [0.2, ['mirtazapine']],
      [0.15, ['duloxetine']],
      [0.15, ['vortioxetine']]
    ]
  },
  {
    key: 'osteoporosis',
    men: [0, 0, 0, 0.05, 0.2, 0.5, 1.5, 4, 7, 8],
    women: [0, 0, 0.05, 0.2, 1, 5, 14, 26, 34, 36],
    incident: 0.15,
    metabolic: 0,
    risk: [],
    codes: [['M81.9', 1]], // women aged 50+ get M81.0 (postmenopausal) instead; see the generator
    care: 'clinic',
    regimens: [
      [0.3, ['alendronate']],
      [0.18, ['risedronate']],
      [0.25, ['denosumab']],
      [0.12, ['raloxifene']],
      [0.1, ['teriparatide']],
      [0.05, ['romosozumab']]
    ]
  },
  {
    key: 'bph',
    men: [0, 0, 0, 0.1, 0.8, 3.5, 9, 15, 18, 18],
    women: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    incident: 0.12,
    metabolic: 0,
    risk: [],
    codes: [['N40', 1]],
    care: 'clinic',
    regimens: [
      [0.4, ['tamsulosin']],
      [0.3, ['silodosin']],
      [0.2, ['silodosin', 'dutasteride']],
      [0.1, ['tadalafil-bph']]
    ]
  },
  {
    key: 'hyperuricaemia',
    men: [0, 0.1, 1.5, 4, 6.5, 8, 9, 9, 8, 6],
    women: [0, 0, 0.1, 0.2, 0.4, 0.8, 1.5, 2.5, 3, 3],
    incident: 0.12,
    metabolic: 0.5,
    risk: [['hypertension', 1.5]],
    codes: [['E79.0', 1]],
    care: 'clinic',
    regimens: [
      [0.6, ['febuxostat']],
      [0.3, ['allopurinol']],
      [0.1, ['benzbromarone']]
    ]
  },
  {
    key: 'gerd',
    men: [0.1, 0.5, 2, 3.5, 5, 6.5, 8, 9, 9, 8],
    women: [0.1, 0.5, 1.5, 3, 4.5, 6.5, 8.5, 10, 10, 9],
    incident: 0.2,
    metabolic: 0.1,
    risk: [],
    codes: [['K21.0', 1]],
    care: 'clinic',
    regimens: [
      [0.45, ['vonoprazan']],
      [0.25, ['esomeprazole']],
      [0.2, ['lansoprazole']],
      [0.1, ['rabeprazole']]
    ]
  },
  {
    key: 'insomnia',
    men: [0, 0.3, 1.5, 3, 4, 5, 7, 10, 14, 16],
    women: [0, 0.5, 2, 3.5, 5, 7, 10, 14, 18, 20],
    incident: 0.2,
    metabolic: 0,
    risk: [],
    codes: [['G47.0', 1]],
    care: 'clinic',
    regimens: [
      [0.3, ['lemborexant']],
      [0.2, ['suvorexant']],
      [0.3, ['zolpidem']],
      [0.2, ['brotizolam']]
    ]
  }
]

const conditionIndex = new Map(CONDITIONS.map((c, i) => [c.key, i]))

export function condition(key: string): number {
  const i = conditionIndex.get(key)
  if (i === undefined) throw new Error(`unknown condition in reference data: ${key}`)
  return i
}

// ---------------------------------------------------------------------------------------------
// Acute outpatient problems

export interface AcuteProblem {
  icd: string
  /** Relative weight by age group: 0-5, 6-14, 15-64, 65+. */
  weights: readonly [number, number, number, number]
  /** Extra weight for women (UTI) or men. */
  female?: number
  /** Seasonal pattern: multiplier by study month, see `seasonFactor`. */
  season?: 'flu' | 'covid' | 'pollen'
  /** Drug options: [probability, drug keys, days]. The first matching option by cumulative probability wins. */
  drugs: readonly (readonly [number, readonly string[], number])[]
  /** Test or imaging done at the visit, with its probability. */
  test?: readonly [string, number]
}

export const ACUTE: readonly AcuteProblem[] = [
  {
    icd: 'J06.9',
    weights: [30, 25, 18, 10],
    drugs: [
      [0.55, ['acetaminophen', 'carbocisteine'], 5],
      [0.15, ['acetaminophen', 'carbocisteine', 'amoxicillin'], 5],
      [0.15, ['dextromethorphan', 'carbocisteine'], 5]
    ]
  },
  { icd: 'J00', weights: [15, 10, 6, 3], drugs: [[0.7, ['acetaminophen', 'carbocisteine'], 4]] },
  {
    icd: 'J02.9',
    weights: [5, 8, 6, 2],
    drugs: [
      [0.5, ['acetaminophen'], 5],
      [0.3, ['amoxicillin'], 7]
    ]
  },
  {
    icd: 'J20.9',
    weights: [10, 6, 5, 8],
    drugs: [
      [0.5, ['dextromethorphan', 'carbocisteine'], 7],
      [0.3, ['clarithromycin', 'carbocisteine'], 7]
    ],
    test: ['E001', 0.3]
  },
  { icd: 'A09', weights: [12, 8, 5, 4], drugs: [[0.6, ['domperidone'], 3]] },
  {
    icd: 'J30.2',
    weights: [2, 8, 10, 4],
    season: 'pollen',
    drugs: [
      [0.6, ['fexofenadine'], 28],
      [0.35, ['bilastine'], 28]
    ]
  },
  { icd: 'H10.9', weights: [4, 3, 3, 3], drugs: [[0.9, ['levofloxacin-eye'], 7]] },
  { icd: 'L30.9', weights: [8, 6, 6, 6], drugs: [[0.9, ['betamethasone-valerate'], 14]] },
  { icd: 'M54.5', weights: [0, 1, 10, 12], drugs: [[0.8, ['celecoxib', 'rebamipide'], 14]], test: ['E001', 0.4] },
  { icd: 'M17.9', weights: [0, 0, 3, 14], drugs: [[0.8, ['celecoxib', 'rebamipide'], 14]], test: ['E001', 0.5] },
  {
    icd: 'K59.0',
    weights: [2, 1, 2, 6],
    drugs: [
      [0.7, ['magnesium-oxide'], 14],
      [0.3, ['sennoside'], 14]
    ]
  },
  {
    icd: 'K29.7',
    weights: [0, 1, 6, 8],
    drugs: [
      [0.5, ['rebamipide', 'famotidine'], 14],
      [0.3, ['vonoprazan'], 14]
    ],
    test: ['D308', 0.15]
  },
  { icd: 'R51', weights: [0, 2, 4, 2], drugs: [[0.8, ['acetaminophen'], 7]], test: ['E200', 0.1] },
  {
    icd: 'N39.0',
    weights: [0.5, 0.5, 1.5, 2.5],
    female: 2.5,
    drugs: [
      [0.6, ['levofloxacin'], 5],
      [0.4, ['cefaclor'], 7]
    ]
  },
  {
    icd: 'U07.1',
    weights: [2, 3, 3, 2.5],
    season: 'covid',
    drugs: [[0.8, ['acetaminophen', 'carbocisteine'], 5]],
    test: ['D012', 0.9]
  },
  {
    icd: 'J11.1',
    weights: [8, 10, 5, 3],
    season: 'flu',
    drugs: [
      [0.55, ['oseltamivir', 'acetaminophen'], 5],
      [0.35, ['baloxavir', 'acetaminophen'], 1]
    ],
    test: ['D012', 0.95]
  },
  {
    icd: 'H66.9',
    weights: [10, 3, 0.5, 0.2],
    drugs: [
      [0.7, ['amoxicillin'], 5],
      [0.2, ['acetaminophen'], 3]
    ]
  },
  { icd: 'J21.9', weights: [4, 0, 0, 0], drugs: [[0.6, ['carbocisteine'], 5]] }
]

/** Calendar shape of seasonal problems over the 36 study months (2022-04 .. 2025-03). */
export function seasonFactor(season: AcuteProblem['season'], m: number): number {
  if (!season) return 1
  const cal = calendarMonth(m)
  if (season === 'pollen') return cal >= 2 && cal <= 4 ? 4 : 0.3
  if (season === 'flu') {
    // 2022-23 modest, 2023-24 early and long, 2024-25 sharp peak at the new year.
    const label = MONTHS[m]!
    const table: Record<string, number> = {
      '2022-12': 1,
      '2023-01': 2.5,
      '2023-02': 2,
      '2023-03': 1,
      '2023-09': 1,
      '2023-10': 2,
      '2023-11': 3,
      '2023-12': 4,
      '2024-01': 3,
      '2024-02': 3,
      '2024-03': 1.5,
      '2024-12': 6,
      '2025-01': 4,
      '2025-02': 1
    }
    return table[label] ?? 0.05
  }
  // covid: the 7th (summer 2022), 8th (winter 2022-23), 9th (summer 2023) and 11th (summer 2024) waves.
  const label = MONTHS[m]!
  const table: Record<string, number> = {
    '2022-07': 6,
    '2022-08': 8,
    '2022-09': 3,
    '2022-11': 2,
    '2022-12': 4,
    '2023-01': 4,
    '2023-07': 3,
    '2023-08': 4,
    '2023-09': 2,
    '2024-07': 3,
    '2024-08': 3
  }
  return table[label] ?? 0.6
}

// ---------------------------------------------------------------------------------------------
// Admissions

export interface AdmissionReason {
  key: string
  icd: string
  /** First six digits of the DPC code (MDC + disease classification). */
  mdc: string
  /** Median and log-spread of the length of stay in days. */
  los: readonly [number, number]
  /** Procedure done in the stay (surgery), if any. */
  surgery?: string
  /** Points per inpatient day, before surgery. */
  daily: number
  /** Relative weight by age group 0-14, 15-39, 40-64, 65-74, 75-84, 85+ for unplanned admissions; condition-linked reasons have none. */
  weights?: readonly [number, number, number, number, number, number]
  female?: number
  male?: number
}

export const ADMISSION_REASONS: readonly AdmissionReason[] = [
  { key: 'pneumonia', icd: 'J18.9', mdc: '040080', los: [12, 0.5], daily: 2900, weights: [15, 5, 8, 12, 16, 18] },
  { key: 'aspiration', icd: 'J69.0', mdc: '040081', los: [18, 0.5], daily: 2800, weights: [0, 0, 1, 3, 8, 16] },
  { key: 'stroke', icd: 'I63.9', mdc: '010060', los: [20, 0.6], daily: 3200, weights: [0, 1, 6, 10, 10, 9] },
  {
    key: 'hip-fracture',
    icd: 'S72.0',
    mdc: '160800',
    los: [25, 0.4],
    daily: 2700,
    surgery: 'K081',
    weights: [0, 0, 1, 3, 8, 14],
    female: 2
  },
  {
    key: 'cataract',
    icd: 'H25.9',
    mdc: '020110',
    los: [2, 0.3],
    daily: 2600,
    surgery: 'K282',
    weights: [0, 0, 4, 14, 10, 3]
  },
  {
    key: 'polyp',
    icd: 'D12.6',
    mdc: '060100',
    los: [2, 0.3],
    daily: 2600,
    surgery: 'K721',
    weights: [0, 1, 10, 10, 5, 1]
  },
  {
    key: 'gallstones',
    icd: 'K80.2',
    mdc: '060330',
    los: [6, 0.4],
    daily: 2900,
    surgery: 'K672-2',
    weights: [0, 4, 8, 6, 4, 2]
  },
  {
    key: 'appendicitis',
    icd: 'K35.8',
    mdc: '060150',
    los: [5, 0.4],
    daily: 2900,
    surgery: 'K718-2',
    weights: [10, 10, 4, 1, 1, 0.5]
  },
  {
    key: 'ami',
    icd: 'I21.9',
    mdc: '050030',
    los: [12, 0.4],
    daily: 3600,
    surgery: 'K546',
    weights: [0, 0.5, 4, 5, 5, 4],
    male: 2
  },
  { key: 'ileus', icd: 'K56.7', mdc: '060210', los: [9, 0.5], daily: 2700, weights: [1, 1, 2, 3, 4, 4] },
  { key: 'dehydration', icd: 'E86', mdc: '100380', los: [9, 0.5], daily: 2500, weights: [3, 0.5, 0.5, 1, 3, 6] },
  { key: 'uti', icd: 'N39.0', mdc: '110310', los: [11, 0.5], daily: 2600, weights: [3, 1, 1, 2, 4, 7] },
  { key: 'bronchiolitis', icd: 'J21.9', mdc: '040090', los: [5, 0.3], daily: 2800, weights: [10, 0, 0, 0, 0, 0] },
  { key: 'gastroenteritis', icd: 'A09', mdc: '150010', los: [4, 0.3], daily: 2600, weights: [12, 2, 1, 1, 1, 2] },
  {
    key: 'asthma-attack',
    icd: 'J45.9',
    mdc: '040100',
    los: [5, 0.3],
    daily: 2700,
    weights: [8, 1, 0.5, 0.3, 0.3, 0.2]
  },
  { key: 'febrile-seizure', icd: 'R56.0', mdc: '010230', los: [2, 0.3], daily: 2600, weights: [6, 0, 0, 0, 0, 0] },
  // Condition-linked (chosen from the patient's conditions, never at random).
  { key: 'hf-exacerbation', icd: 'I50.0', mdc: '050130', los: [16, 0.5], daily: 3000 },
  { key: 'copd-exacerbation', icd: 'J44.1', mdc: '040120', los: [13, 0.5], daily: 2800 },
  { key: 'af-ablation', icd: 'I48.0', mdc: '050070', los: [4, 0.2], daily: 3400, surgery: 'K595' },
  { key: 'stomach-cancer-surgery', icd: 'C16.9', mdc: '060020', los: [12, 0.3], daily: 3100, surgery: 'K655-2' },
  { key: 'colon-cancer-surgery', icd: 'C18.9', mdc: '060035', los: [11, 0.3], daily: 3100, surgery: 'K719-3' },
  { key: 'lung-cancer-surgery', icd: 'C34.9', mdc: '040040', los: [9, 0.3], daily: 3300, surgery: 'K514-2' },
  { key: 'breast-cancer-surgery', icd: 'C50.9', mdc: '090010', los: [8, 0.3], daily: 3000, surgery: 'K476' },
  { key: 'stomach-cancer-chemo', icd: 'C16.9', mdc: '060020', los: [5, 0.3], daily: 3200 },
  { key: 'colon-cancer-chemo', icd: 'C18.9', mdc: '060035', los: [4, 0.3], daily: 3200 },
  { key: 'lung-cancer-chemo', icd: 'C34.9', mdc: '040040', los: [6, 0.3], daily: 3400 },
  { key: 'kawasaki', icd: 'M30.3', mdc: '150070', los: [9, 0.25], daily: 2900 }
]

const admissionIndex = new Map(ADMISSION_REASONS.map((a, i) => [a.key, i]))

export function admissionReason(key: string): number {
  const i = admissionIndex.get(key)
  if (i === undefined) throw new Error(`unknown admission reason in reference data: ${key}`)
  return i
}

/**
 * DPC-like 14-character codes: the real 6-digit classification, then 'xx' (age/weight split not
 * used), 2-digit surgery ('99' none, '01' main surgery), procedure 1 and 2 flags, 'x' for
 * secondary diagnosis, and severity '0'. Index = reason index * 2 + (with procedure 2 ? 1 : 0).
 */
export const DPC_CODES: readonly string[] = ADMISSION_REASONS.flatMap((r) => {
  const surgery = r.surgery ? '01' : '99'
  return [`${r.mdc}xx${surgery}00x0`, `${r.mdc}xx${surgery}01x0`]
})

/** Everything a generated dataset depends on besides seed and size; bump when output changes. */
export const GENERATOR_VERSION = 'vre-synthetic-claims/1'
