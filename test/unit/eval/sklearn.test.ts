// Cross-check against scikit-learn: a committed fixture (always) and, where a python3 with
// scikit-learn exists, a fresh larger run. Regenerate the fixture with
// `python3 test/unit/eval/fixtures/make-sklearn-fixture.py`.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ScoresCsvParser, rocCurve, verificationReport } from '../../../src/core/eval'
import { randomPairs } from './reference'

const FIXTURES = join(__dirname, 'fixtures')
const SCRIPT = join(FIXTURES, 'make-sklearn-fixture.py')

interface SklearnReference {
  fpr: number[]
  tpr: number[]
  thresholdsFrom1: number[]
  auc: number
  eer: number
  tarAtFar: Record<string, number>
  tenFold: { folds: number[]; thresholds: number[]; mean: number; std: number }
}

function compare(labels: ArrayLike<number>, scores: ArrayLike<number>, ref: SklearnReference): void {
  const roc = rocCurve(labels, scores)
  expect(Array.from(roc.fpr)).toEqual(ref.fpr)
  expect(Array.from(roc.tpr)).toEqual(ref.tpr)
  expect(roc.thresholds[0]).toBe(Infinity)
  expect(Array.from(roc.thresholds.subarray(1))).toEqual(ref.thresholdsFrom1)
  const r = verificationReport(labels, scores)
  expect(r.auc).toBeCloseTo(ref.auc, 12)
  expect(r.eer).toBeCloseTo(ref.eer, 9) // brentq's default xtol is 2e-12
  expect(r.tarAtFar).toEqual(ref.tarAtFar)
  expect(r.tenFold.folds).toEqual(ref.tenFold.folds)
  r.tenFold.thresholds.forEach((t, k) => expect(t).toBeCloseTo(ref.tenFold.thresholds[k], 12))
  expect(r.tenFold.mean).toBeCloseTo(ref.tenFold.mean, 12)
  expect(r.tenFold.std).toBeCloseTo(ref.tenFold.std, 12)
}

function parseCsv(path: string): { labels: Uint8Array; scores: Float64Array } {
  const parser = new ScoresCsvParser(path)
  for (const line of readFileSync(path, 'utf8').split('\n')) parser.pushLine(line)
  return parser.finish()
}

/** A python3 that can import scikit-learn and scipy, or undefined. */
function findSklearnPython(): string | undefined {
  for (const python of [process.env.PYTHON, 'python3', '/usr/bin/python3']) {
    if (!python) continue
    const probe = spawnSync(python, ['-c', 'import sklearn, scipy'], { stdio: 'ignore' })
    if (probe.status === 0) return python
  }
  return undefined
}

const python = findSklearnPython()
const skipReason = python
  ? ''
  : ' [SKIPPED: no python3 with scikit-learn and scipy; apt-get install -y python3-sklearn python3-numpy]'
if (!python) console.warn(`sklearn.test.ts:${skipReason}`)

describe('scikit-learn reference', () => {
  it('matches the committed sklearn fixture (roc_curve, roc_auc_score, EER, TAR@FAR, 10-fold)', () => {
    const { labels, scores } = parseCsv(join(FIXTURES, 'sklearn-pairs.csv'))
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'sklearn-expected.json'), 'utf8')) as SklearnReference
    compare(labels, scores, ref)
  })

  it.skipIf(!python)(`matches a live sklearn run on 20000 pairs with heavy ties${skipReason}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-sklearn-'))
    try {
      const { labels, scores } = randomPairs(20000, 77, 30, 0.3)
      const csv = join(dir, 'pairs.csv')
      writeFileSync(csv, `label,score\n${labels.map((l, i) => `${l},${scores[i]}`).join('\n')}\n`)
      const run = spawnSync(python as string, [SCRIPT, csv], { encoding: 'utf8', maxBuffer: 64 << 20 })
      expect(run.status, run.stderr).toBe(0)
      compare(labels, scores, JSON.parse(run.stdout) as SklearnReference)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
