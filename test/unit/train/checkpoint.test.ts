// Checkpoint directories: exact round trip, checksums, corrupt or truncated ones skipped with the
// reason, last/ and best/ as plain directories, pruning to the newest N.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '@tensorflow/tfjs-backend-cpu'
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tf } from '../../../src/core/tf'
import {
  CheckpointStore,
  readTensorFile,
  restoreStoreRows,
  stepDirName,
  type CheckpointContent
} from '../../../src/core/train/checkpoint'
import { SparseHead } from '../../../src/core/losses'
import { createRng } from '../../../src/core/util/rng'

beforeAll(async () => {
  await tf.setBackend('cpu')
})
const root = mkdtempSync(join(tmpdir(), 'dsoftmax-ckpt-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function content(step: number): CheckpointContent {
  return {
    step,
    position: step + 100,
    lrScale: 0.5,
    backoffs: 1,
    best: { metric: 'auc', value: 0.9, step },
    weights: [
      { name: 'block1/conv/kernel', tensor: tf.tensor([step, 1.5, -2.25, 3], [2, 2]) },
      {
        name: 'head/centres',
        tensor: tf.tensor([
          [0.1 * step, 0.2],
          [0.3, 0.4],
          [0.5, 0.6]
        ])
      }
    ],
    state: {
      tensors: [{ name: 'sgd/velocity/block1/conv/kernel', tensor: tf.tensor([1e-3, 2e-3, 3e-3, step]) }],
      scalars: { 'replica/samplingRng': 12345 + step }
    }
  }
}

describe('CheckpointStore', () => {
  it('round-trips weights, optimizer state and run state exactly', async () => {
    const store = new CheckpointStore(join(root, 'a'), 3)
    const dir = await store.write(content(7))
    expect(dir.endsWith(stepDirName(7))).toBe(true)
    const loaded = store.load(stepDirName(7))
    expect(Array.from(loaded.weights.get('block1/conv/kernel') as Float32Array)).toEqual([7, 1.5, -2.25, 3])
    expect(Array.from(loaded.weights.get('head/centres') as Float32Array)).toEqual(
      Array.from(new Float32Array([0.7, 0.2, 0.3, 0.4, 0.5, 0.6]))
    )
    expect(Array.from(loaded.state.get('sgd/velocity/block1/conv/kernel') as Float32Array)).toEqual(
      Array.from(new Float32Array([1e-3, 2e-3, 3e-3, 7]))
    )
    expect(loaded.meta).toMatchObject({
      step: 7,
      position: 107,
      lrScale: 0.5,
      backoffs: 1,
      best: { metric: 'auc', value: 0.9, step: 7 },
      scalars: { 'replica/samplingRng': 12352 }
    })
    // The weights are in the export format: manifest sha256 = sha256 of weights.bin.
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
    expect(manifest.format).toBe('dsoftmax-weights/2')
    expect(
      createHash('sha256')
        .update(readFileSync(join(dir, 'weights.bin')))
        .digest('hex')
    ).toBe(manifest.sha256)
  })

  it('keeps the newest N steps, last/ and best/ (hard-linked copies that outlive pruning)', async () => {
    const store = new CheckpointStore(join(root, 'b'), 2)
    await store.write(content(1))
    store.markBest(stepDirName(1))
    await store.write(content(2))
    await store.write(content(3))
    expect(
      readdirSync(join(root, 'b'))
        .filter((n) => !n.startsWith('.'))
        .sort()
    ).toEqual(['best', 'last', stepDirName(2), stepDirName(3)])
    expect(store.load('last').meta.step).toBe(3)
    expect(store.load('best').meta.step).toBe(1)
    expect(
      readTensorFile(join(root, 'b', 'best', 'weights.bin'), join(root, 'b', 'best', 'manifest.json')).get(
        'block1/conv/kernel'
      )?.[0]
    ).toBe(1)
  })

  it('skips a truncated or corrupted checkpoint, says why, and uses the one before', async () => {
    const store = new CheckpointStore(join(root, 'c'), 5)
    await store.write(content(10))
    await store.write(content(20))
    await store.write(content(30))
    truncateSync(join(root, 'c', stepDirName(30), 'weights.bin'), 8)
    const bytes = readFileSync(join(root, 'c', stepDirName(20), 'state.bin'))
    bytes[3] ^= 0xff
    writeFileSync(join(root, 'c', stepDirName(20), 'state.bin'), bytes)
    const { checkpoint, skipped } = store.latest()
    expect(checkpoint?.meta.step).toBe(10)
    expect(skipped.map((s) => s.name)).toEqual([stepDirName(30), stepDirName(20)])
    expect(skipped[0].reason).toMatch(/weights\.bin is truncated or padded: 8 bytes, the manifest lists 40/)
    expect(skipped[1].reason).toMatch(/state\.bin is damaged: its sha256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}/)
  })

  it('treats a step directory without checkpoint.json (or with broken JSON) as unusable', async () => {
    const store = new CheckpointStore(join(root, 'd'), 5)
    await store.write(content(1))
    await store.write(content(2))
    writeFileSync(join(root, 'd', stepDirName(2), 'checkpoint.json'), '{"format": "dsoftmax-checkpoint/1", "st')
    const { checkpoint, skipped } = store.latest()
    expect(checkpoint?.meta.step).toBe(1)
    expect(skipped[0].reason).toMatch(/checkpoint\.json is not valid JSON/)
    expect(new CheckpointStore(join(root, 'empty')).latest()).toEqual({ checkpoint: null, skipped: [] })
  })
})

describe('checkpoints in chunks: any size, sparse stores streamed, old format read', () => {
  it('a tiny chunk size gives the same bytes and values as one chunk, and reads rows back in blocks', async () => {
    const rows = 37
    const dim = 5
    const values = Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i) * 10)
    const make = (): CheckpointContent => ({
      ...content(4),
      weights: [
        { name: 'head/centres', tensor: tf.tensor2d(values, [rows, dim]) },
        { name: 'b', values: Float32Array.of(1, 2, 3), shape: [3] }
      ]
    })
    // 3 values a chunk: every tensor crosses many chunk boundaries, and a row (5 values) is bigger than a chunk.
    const small = new CheckpointStore(join(root, 'chunks-small'), 3, 3)
    const whole = new CheckpointStore(join(root, 'chunks-whole'), 3)
    const smallDir = await small.write(make())
    const wholeDir = await whole.write(make())
    expect(readFileSync(join(smallDir, 'weights.bin'))).toEqual(readFileSync(join(wholeDir, 'weights.bin')))
    const loaded = small.load(stepDirName(4))
    expect(Array.from(loaded.weights.get('head/centres') as Float32Array)).toEqual(Array.from(values))
    expect(Array.from(loaded.weights.readRows('head/centres', 30, 7))).toEqual(Array.from(values.subarray(150, 185)))
    const blocks: number[] = []
    const rebuilt = new Float32Array(rows * dim)
    loaded.weights.forEachRows('head/centres', 12, (start, block) => {
      blocks.push(block.length)
      rebuilt.set(block, start * dim)
    })
    expect(blocks.every((n) => n === 10 || n === 5 * (rows % 2))).toBe(true)
    expect(Array.from(rebuilt)).toEqual(Array.from(values))
    expect(() => loaded.weights.readRows('head/centres', 35, 3)).toThrow(/rows 35\.\.38 are outside tensor head\/centres's 37/)
  })

  it('a sparse centre store is streamed out and back block by block, float16 kept as float16, and resumes equal', async () => {
    for (const storage of ['float32', 'float16'] as const) {
      const config = { classes: 23, dim: 6, seed: 9, storage, momentum: 0.9, weightDecay: 0.01 }
      const head = new SparseHead(config)
      const rng = createRng(2)
      for (let step = 0; step < 4; step++) {
        const classes = Int32Array.from(new Set(Array.from({ length: 5 }, () => rng.int(23)))).sort()
        head.update({ classes, grads: Float32Array.from({ length: classes.length * 6 }, () => rng.normal()) }, 0.1)
      }
      const tensors = head.storeTensors()
      const store = new CheckpointStore(join(root, `sparse-${storage}`), 3, 7)
      const dir = await store.write({
        ...content(4),
        weights: [tensors.centres],
        state: { tensors: [tensors.momentum], scalars: { 'centreStore/step': head.store.step } }
      })
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
        tensors: { name: string; dtype: string; byteLength: number }[]
      }
      expect(manifest.tensors[0]).toMatchObject({
        name: 'head/centres',
        dtype: storage,
        byteLength: 23 * 6 * (storage === 'float16' ? 2 : 4)
      })
      const loaded = store.load(stepDirName(4))
      const resumed = new SparseHead(config)
      restoreStoreRows(resumed.store, 'centres', loaded.weights, 'head/centres')
      restoreStoreRows(resumed.store, 'momentum', loaded.state, 'centreStore/momentum')
      resumed.store.restoreStep(head.store.step)
      const before = head.store.state()
      const after = resumed.store.state()
      expect(Array.from(after.centres)).toEqual(Array.from(before.centres))
      expect(Array.from(after.momentum)).toEqual(Array.from(before.momentum))
      // And both continue identically.
      const next = { classes: Int32Array.of(1, 22), grads: Float32Array.from({ length: 12 }, (_, i) => i / 10) }
      head.update(next, 0.05)
      resumed.update({ classes: next.classes.slice(), grads: next.grads.slice() }, 0.05)
      expect(Array.from(resumed.store.values())).toEqual(Array.from(head.store.values()))
      expect(() =>
        restoreStoreRows(new SparseHead({ ...config, classes: 24 }).store, 'centres', loaded.weights, 'head/centres')
      ).toThrow(/has 138 values, the model 144/)
    }
  })

  it('reads a checkpoint written in the first format (float32, float offsets), and refuses an unknown one clearly', async () => {
    const store = new CheckpointStore(join(root, 'legacy'), 3)
    const dir = await store.write(content(5))
    const manifestPath = join(dir, 'manifest.json')
    const current = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      sha256: string
      tensors: { name: string; shape: number[]; byteOffset: number; byteLength: number }[]
    }
    const legacy = {
      format: 'dsoftmax-weights/1',
      sha256: current.sha256,
      tensors: current.tensors.map((t) => ({
        name: t.name,
        shape: t.shape,
        dtype: 'float32',
        offset: t.byteOffset / 4,
        length: t.byteLength / 4
      }))
    }
    writeFileSync(manifestPath, JSON.stringify(legacy))
    expect(Array.from(store.load(stepDirName(5)).weights.get('head/centres') as Float32Array)).toEqual(
      Array.from(new Float32Array([0.5, 0.2, 0.3, 0.4, 0.5, 0.6]))
    )
    writeFileSync(manifestPath, JSON.stringify({ ...legacy, format: 'dsoftmax-weights/9' }))
    expect(() => store.load(stepDirName(5))).toThrow(
      /manifest\.json: unknown tensor format "dsoftmax-weights\/9" \(this version reads dsoftmax-weights\/1 and \/2\)/
    )
  })
})
