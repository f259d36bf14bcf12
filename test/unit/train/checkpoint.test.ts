// Checkpoint directories: exact round trip, checksums, corrupt or truncated ones skipped with the
// reason, last/ and best/ as plain directories, pruning to the newest N.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '@tensorflow/tfjs-backend-cpu'
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tf } from '../../../src/core/tf'
import { CheckpointStore, readTensorFile, stepDirName, type CheckpointContent } from '../../../src/core/train/checkpoint'

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
      { name: 'head/centres', tensor: tf.tensor([[0.1 * step, 0.2], [0.3, 0.4], [0.5, 0.6]]) }
    ],
    state: { tensors: [{ name: 'sgd/velocity/block1/conv/kernel', tensor: tf.tensor([1e-3, 2e-3, 3e-3, step]) }], scalars: { 'replica/samplingRng': 12345 + step } }
  }
}

describe('CheckpointStore', () => {
  it('round-trips weights, optimizer state and run state exactly', () => {
    const store = new CheckpointStore(join(root, 'a'), 3)
    const dir = store.write(content(7))
    expect(dir.endsWith(stepDirName(7))).toBe(true)
    const loaded = store.load(stepDirName(7))
    expect(Array.from(loaded.weights.get('block1/conv/kernel') as Float32Array)).toEqual([7, 1.5, -2.25, 3])
    expect(Array.from(loaded.weights.get('head/centres') as Float32Array)).toEqual(Array.from(new Float32Array([0.7, 0.2, 0.3, 0.4, 0.5, 0.6])))
    expect(Array.from(loaded.state.get('sgd/velocity/block1/conv/kernel') as Float32Array)).toEqual(Array.from(new Float32Array([1e-3, 2e-3, 3e-3, 7])))
    expect(loaded.meta).toMatchObject({ step: 7, position: 107, lrScale: 0.5, backoffs: 1, best: { metric: 'auc', value: 0.9, step: 7 }, scalars: { 'replica/samplingRng': 12352 } })
    // The weights are in the export format: manifest sha256 = sha256 of weights.bin.
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
    expect(manifest.format).toBe('dsoftmax-weights/1')
    expect(createHash('sha256').update(readFileSync(join(dir, 'weights.bin'))).digest('hex')).toBe(manifest.sha256)
  })

  it('keeps the newest N steps, last/ and best/ (hard-linked copies that outlive pruning)', () => {
    const store = new CheckpointStore(join(root, 'b'), 2)
    store.write(content(1))
    store.markBest(stepDirName(1))
    store.write(content(2))
    store.write(content(3))
    expect(readdirSync(join(root, 'b')).filter((n) => !n.startsWith('.')).sort()).toEqual(['best', 'last', stepDirName(2), stepDirName(3)])
    expect(store.load('last').meta.step).toBe(3)
    expect(store.load('best').meta.step).toBe(1)
    expect(readTensorFile(join(root, 'b', 'best', 'weights.bin'), join(root, 'b', 'best', 'manifest.json')).get('block1/conv/kernel')?.[0]).toBe(1)
  })

  it('skips a truncated or corrupted checkpoint, says why, and uses the one before', () => {
    const store = new CheckpointStore(join(root, 'c'), 5)
    store.write(content(10))
    store.write(content(20))
    store.write(content(30))
    truncateSync(join(root, 'c', stepDirName(30), 'weights.bin'), 8)
    const bytes = readFileSync(join(root, 'c', stepDirName(20), 'state.bin'))
    bytes[3] ^= 0xff
    writeFileSync(join(root, 'c', stepDirName(20), 'state.bin'), bytes)
    const { checkpoint, skipped } = store.latest()
    expect(checkpoint?.meta.step).toBe(10)
    expect(skipped.map((s) => s.name)).toEqual([stepDirName(30), stepDirName(20)])
    expect(skipped[0].reason).toMatch(/weights\.bin is truncated or padded: 8 bytes, the manifest lists 40/)
    expect(skipped[1].reason).toMatch(/state\.bin does not match its checksum/)
  })

  it('treats a step directory without checkpoint.json (or with broken JSON) as unusable', () => {
    const store = new CheckpointStore(join(root, 'd'), 5)
    store.write(content(1))
    store.write(content(2))
    writeFileSync(join(root, 'd', stepDirName(2), 'checkpoint.json'), '{"format": "dsoftmax-checkpoint/1", "st')
    const { checkpoint, skipped } = store.latest()
    expect(checkpoint?.meta.step).toBe(1)
    expect(skipped[0].reason).toMatch(/checkpoint\.json is not valid JSON/)
    expect(new CheckpointStore(join(root, 'empty')).latest()).toEqual({ checkpoint: null, skipped: [] })
  })
})
