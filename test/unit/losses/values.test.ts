import { beforeAll, describe, expect, it } from 'vitest'
import {
  LOSS_NAMES,
  arcFaceTargetCosine,
  defaultLossParams,
  lossFromCosines,
  resolveLossParams,
  sphereFaceTargetCosine
} from '../../../src/core/losses'
import type { LossName } from '../../../src/core/losses'
import { centres2, centres3, embeddings2, embeddings3, labels2, labels3, refParams, testParams } from './fixtures'
import { expectClose, ints, mat, read, tf, useCpu } from './helpers'
import { arcTarget, cosineMatrix, refLoss, sphereTarget } from './reference'
import type { Matrix } from './reference'

beforeAll(useCpu)

interface Case {
  label: string
  cos: Matrix
  labels: number[]
  sample: number[]
}

const cases: Case[] = [
  { label: '3-D', cos: cosineMatrix(embeddings3, centres3), labels: labels3, sample: [1, 2, 4] },
  { label: '2-D', cos: cosineMatrix(embeddings2, centres2), labels: labels2, sample: [0, 2] }
]

function check(name: LossName, params: Parameters<typeof lossFromCosines>[1], c: Case): void {
  // Plain softmax reads the matrix as logits: stretch it so the test is not trivially small.
  const input = name === 'softmax' ? c.cos.map((r) => r.map((v) => 3 * v)) : c.cos
  const got = read(lossFromCosines(name, params, mat(input), ints(c.labels), ints(c.sample)))
  const want = refLoss(name, refParams(resolveLossParams(name, params)), input, c.labels, c.sample)
  expectClose(got.loss, want.loss, 1e-5, `${name} loss`)
  expectClose(got.intra, want.intra, 1e-5, `${name} intra`)
  expectClose(got.inter, want.inter, 1e-5, `${name} inter`)
  expectClose(got.intra + got.inter, got.loss, 1e-6, `${name} split`)
}

describe('every loss matches its closed form on tiny embeddings', () => {
  for (const name of LOSS_NAMES) {
    for (const c of cases) {
      it(`${name}, ${c.label}, test parameters`, () => check(name, testParams[name], c))
    }
    it(`${name}, 3-D, default parameters`, () => check(name, defaultLossParams(name), cases[0]))
  }
  it('ArcFace with a detached margin has the same value as the full margin', () => {
    check('arcface', { s: 8, m: 0.5, marginGradient: 'detached' }, cases[0])
  })
  it('SphereFace with a pure margin (λ = 0) and m = 1..5', () => {
    for (let m = 1; m <= 5; m++) check('sphereface', { s: 8, m, lambda: 0 }, cases[0])
  })
})

describe('hand-computed values', () => {
  // x = (1, 0); centres (1, 0) and (0, 1); label 0: z = [1, 0].
  const cos = [[1, 0]]
  const get = (name: LossName, params: object): ReturnType<typeof read> =>
    read(lossFromCosines(name, params, mat(cos), ints([0])))

  it('NormFace, s = 1: log(1 + e^-1), all of it intra', () => {
    const r = get('normface', { s: 1 })
    expectClose(r.loss, Math.log(1 + Math.exp(-1)), 1e-6)
    expectClose(r.intra, Math.log(1 + Math.exp(-1)), 1e-6)
    expectClose(r.inter, 0, 1e-6)
  })
  it('CosFace, s = 1, m = 0.35: log(1 + e^-(1 - 0.35))', () => {
    expectClose(get('cosface', { s: 1, m: 0.35 }).loss, Math.log(1 + Math.exp(-0.65)), 1e-6)
  })
  it('ArcFace, s = 2, m = 0.5 at θ = 0: target cos(0.5), exact at z = 1', () => {
    const t = 2 * Math.cos(0.5)
    expectClose(get('arcface', { s: 2, m: 0.5 }).loss, Math.log(1 + Math.exp(-t)), 1e-6)
  })
  it('SphereFace, m = 2, λ = 0 at θ = 60°: k = 0, ψ = cos(120°) = −0.5', () => {
    const r = read(lossFromCosines('sphereface', { s: 1, m: 2, lambda: 0 }, mat([[0.5, 0]]), ints([0])))
    expectClose(r.loss, Math.log(1 + Math.exp(0.5)), 1e-5)
  })
  it('SphereFace, m = 4, λ = 0 at θ = 60°: k = 1, ψ = −cos(240°) − 2 = −1.5', () => {
    const r = read(lossFromCosines('sphereface', { s: 1, m: 4, lambda: 0 }, mat([[0.5, 0]]), ints([0])))
    expectClose(r.loss, Math.log(1 + Math.exp(1.5)), 1e-5)
  })
  it('D-Softmax, s = 1, d = 0.5: softplus(−0.5) + log 2', () => {
    const r = get('dsoftmax', { s: 1, d: 0.5 })
    expectClose(r.intra, Math.log(1 + Math.exp(-0.5)), 1e-6)
    expectClose(r.inter, Math.log(2), 1e-6)
    expectClose(r.loss, Math.log(1 + Math.exp(-0.5)) + Math.log(2), 1e-6)
  })
  it('plain softmax reads the matrix as logits', () => {
    const r = read(lossFromCosines('softmax', {}, mat([[2, -1, 0.5]]), ints([2])))
    expectClose(r.loss, -0.5 + Math.log(Math.exp(2) + Math.exp(-1) + Math.exp(0.5)), 1e-6)
  })
})

describe('margin target functions against their definitions', () => {
  const zs = Array.from({ length: 41 }, (_, i) => -0.999 + (i * 1.998) / 40)
  it('ArcFace cos(θ + m) and its fallback past θ + m = π', () => {
    for (const m of [0.2, 0.5, 0.8]) {
      const got = tf.tidy(() => arcFaceTargetCosine(tf.tensor1d(zs), resolveLossParams('arcface', { m })).arraySync()) as number[]
      zs.forEach((z, i) => expectClose(got[i], arcTarget(z, m), 2e-5, `m=${m} z=${z}`))
    }
  })
  it('ArcFace fallback is continuous at the switch', () => {
    const m = 0.5
    const edge = -Math.cos(m)
    const got = tf.tidy(() =>
      arcFaceTargetCosine(tf.tensor1d([edge + 1e-4, edge - 1e-4]), resolveLossParams('arcface', { m })).arraySync()
    ) as number[]
    expect(Math.abs(got[0] - got[1])).toBeLessThan(5e-3)
    expect(got[1]).toBeLessThan(got[0])
  })
  it('SphereFace ψ for m = 1..5, λ = 0 and λ = 3', () => {
    for (const lambda of [0, 3]) {
      for (let m = 1; m <= 5; m++) {
        const got = tf.tidy(() =>
          sphereFaceTargetCosine(tf.tensor1d(zs), resolveLossParams('sphereface', { m, lambda })).arraySync()
        ) as number[]
        zs.forEach((z, i) => expectClose(got[i], sphereTarget(z, m, lambda), 5e-5, `m=${m} λ=${lambda} z=${z}`))
      }
    }
  })
  it('SphereFace ψ decreases monotonically in θ', () => {
    const got = tf.tidy(() =>
      sphereFaceTargetCosine(tf.tensor1d(zs), resolveLossParams('sphereface', { m: 4, lambda: 0 })).arraySync()
    ) as number[]
    for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1] - 1e-5)
  })
})
