// The Figure 1 study end to end through the CLI (a few steps per run, so only the plumbing and the
// bookkeeping are checked here; the figures come from the full study), and its building blocks.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/cli'
import type { CliIo } from '../../src/cli/io'
import { studyTable } from '../../src/cli/commands/study'
import { classSubset, firstPerClass, mostPopulousClasses, type Figure1Study } from '../../src/core/train/study'
import { angleReport } from '../../src/core/eval/angles'
import type { LabelledImageSet } from '../../src/core/data'

function capture(): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', isTty: false, stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) }
  return io
}

const workspace = mkdtempSync(join(tmpdir(), 'dsoftmax-study-'))
afterAll(() => rmSync(workspace, { recursive: true, force: true }))

describe('choosing the classes', () => {
  it('most populous first, ties to the lower class index', () => {
    const labels = [3, 3, 3, 1, 1, 0, 0, 2, 2, 4]
    expect(mostPopulousClasses(labels, 5, 3)).toEqual([3, 0, 1])
    expect(mostPopulousClasses([0, 1, 2, 3, 4, 5], 6, 5)).toEqual([0, 1, 2, 3, 4])
    expect(() => mostPopulousClasses(labels, 5, 6)).toThrow('cannot choose 6 of 5 classes')
  })

  it('a class subset keeps only those examples, relabelled in the given order', () => {
    const written: number[] = []
    const set: LabelledImageSet = {
      shape: [1, 1, 1],
      count: 6,
      classes: 3,
      labels: Int32Array.from([0, 1, 2, 2, 1, 0]),
      classNames: ['a', 'b', 'c'],
      write: (index) => void written.push(index)
    }
    const sub = classSubset(set, [2, 0])
    expect(sub.count).toBe(4)
    expect(sub.classes).toBe(2)
    expect(Array.from(sub.labels)).toEqual([1, 0, 0, 1])
    expect(sub.classNames).toEqual(['c', 'a'])
    for (let i = 0; i < sub.count; i++) sub.write(i, new Float32Array(1), 0)
    expect(written).toEqual([0, 2, 3, 5])
    expect(Array.from(firstPerClass([1, 0, 1, 1, 0, 0], 2, 2))).toEqual([0, 1, 2, 4])
  })
})

describe('the report', () => {
  it('shows every run and puts a collapse warning from any run in plain sight', () => {
    const at = (d: number): number[] => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)]
    const fine = angleReport([...at(0), ...at(90)], 2, [0, 1], 2)
    const collapsed = angleReport([...at(0), ...at(1.5)], 2, [0, 1], 2, { classNames: ['0', '1'] })
    const run = (loss: 'softmax' | 'dsoftmax', s: number | undefined, report: typeof fine) => ({
      loss,
      lossParams: s === undefined ? {} : { s },
      classCount: 2,
      classes: ['0', '1'],
      steps: 1,
      trainSeconds: 1,
      finalLoss: 1,
      train: report,
      test: fine
    })
    const study = {
      runs: [run('softmax', undefined, fine), run('dsoftmax', 30, collapsed)],
      warnings: ['D-Softmax s=30, 2 classes (train): ' + collapsed.warnings[0]]
    } as unknown as Figure1Study
    const text = studyTable(study)
    expect(text).toContain('Softmax, 2 classes')
    expect(text).toContain('D-Softmax s=30, 2 classes')
    expect(text).toContain('1.50° (test 90.00°)')
    expect(text).toMatch(/WARNING: 1 collapse warning\(s\):\n {2}D-Softmax s=30, 2 classes \(train\): class collapse: the mean embedding directions of 0 and 1 are 1\.50° apart/)
    expect(studyTable({ ...study, runs: [study.runs[0]], warnings: [] })).toContain('No class collapse')
  })
})

describe('npm run cli -- study figure1', () => {
  it('trains the four runs and writes the results into the workspace', async () => {
    const io = capture()
    const args = ['study', 'figure1', '--steps', '3', '--batch', '16', '--measure-per-class', '8', '--out', workspace, '--json']
    expect(await main(args, io)).toBe(0)
    const result = JSON.parse(io.out) as Figure1Study & { file: string }
    expect(result.runs.map((r) => [r.loss, r.classCount, r.lossParams.s])).toEqual([
      ['softmax', 5, undefined],
      ['dsoftmax', 5, 10],
      ['softmax', 10, undefined],
      ['dsoftmax', 10, 10]
    ])
    expect(result.runs.map((r) => r.classes.join(''))).toEqual(['01234', '01234', '0123456789', '0123456789'])
    for (const r of result.runs) {
      expect(r.steps).toBe(3)
      expect(r.train.samples).toBe(8 * r.classCount)
      expect(r.train.intra.perClass).toHaveLength(r.classCount)
      for (const angle of [r.train.intra.mean, r.train.inter.min, r.test.intra.mean, r.test.inter.min, r.train.centres?.min]) {
        expect(angle).toBeGreaterThanOrEqual(0)
        expect(angle).toBeLessThanOrEqual(180)
      }
      // The collapse flag and the study's warnings agree with the measured minimum angles.
      expect(r.train.collapsed).toBe(r.train.inter.min < 5 || (r.train.centres?.min ?? 90) < 5)
      expect(r.test.centres).toBeUndefined()
    }
    expect(result.warnings).toHaveLength(result.runs.reduce((n, r) => n + r.train.warnings.length + r.test.warnings.length, 0))
    expect(result.recipe).toMatchObject({ embeddingDim: 3, dataset: 'fonts-chars', steps: 3, batchSize: 16 })
    const files = readdirSync(join(workspace, 'studies'))
    expect(files.filter((f) => f.endsWith('.json'))).toEqual([result.file.split('/').pop()])
    const stored = JSON.parse(readFileSync(result.file, 'utf8')) as Figure1Study & { backend: string }
    expect(stored.runs).toEqual(result.runs)
    expect(io.err).toContain('run 4/4: D-Softmax s=10, 10 classes')
  })

  it('rejects an unknown study and a bad option', async () => {
    const io = capture()
    expect(await main(['study', 'figure2'], io)).toBe(2)
    expect(io.err).toContain('unknown study "figure2"')
    expect(await main(['study', 'figure1', '--losses', 'arcface'], io)).toBe(2)
    expect(io.err).toContain('--losses: "arcface" is not one of softmax, normface, dsoftmax')
  })
})
