import { describe, expect, it } from 'vitest'
import { imagesRule } from './images.js'

describe('images rule', () => {
  it('asks for the table behind a figure that comes without one', () => {
    const r = imagesRule('age-histogram.png', { requestFiles: ['age-histogram.py', 'other.csv'] })
    expect(r.outcome).toBe('review')
    expect(r.message).toMatch(/ask for the table \(as age-histogram\.csv in the same request\)/)
  })

  it('passes a figure whose table of the same name is in the request', () => {
    expect(imagesRule('out/Age-Histogram.PNG', { requestFiles: ['age-histogram.csv'] }).outcome).toBe('pass')
    expect(imagesRule('km.jpg', { requestFiles: ['km.tsv'] }).outcome).toBe('pass')
  })

  it('always asks for a PDF to be read', () => {
    expect(imagesRule('report.pdf', { requestFiles: ['report.csv'] }).outcome).toBe('review')
  })
})
