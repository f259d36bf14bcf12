import { describe, expect, it } from 'vitest'
import { balancedPlanner, shufflePlanner } from '../../../src/core/data/batchPlan'
import { epochOrder } from '../../../src/core/data/batches'

describe('batch plans', () => {
  it('shuffled: batch k is slice k of its epoch’s seeded permutation, whatever was asked before', () => {
    const plan = shufflePlanner(10, 3, 7) // 3 steps per epoch, the last example of each epoch dropped
    const later = plan(4)
    const first = plan(0)
    expect(Array.from(first.indices)).toEqual(Array.from(epochOrder(10, 7, 0).slice(0, 3)))
    expect(later).toEqual({ position: 4, epoch: 1, indices: epochOrder(10, 7, 1).slice(3, 6) })
    expect(shufflePlanner(10, 3, 7)(4)).toEqual(later)
  })

  it('balanced: P distinct identities × K distinct images when the data allows', () => {
    // 5 identities with 4, 4, 4, 4, 2 images
    const labels = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4])
    const plan = balancedPlanner(labels, 5, 6, 1, 2)
    for (let k = 0; k < 20; k++) {
      const { indices } = plan(k)
      expect(indices.length).toBe(6)
      const ids = Array.from(indices, (i) => labels[i])
      expect(new Set(ids).size).toBe(3)
      expect(new Set(indices).size).toBe(6)
      for (let s = 0; s < 6; s += 2) expect(ids[s]).toBe(ids[s + 1])
    }
    expect(balancedPlanner(labels, 5, 6, 1, 2)(13)).toEqual(plan(13))
  })

  it('balanced: repeats identities and images when there are too few, never fails', () => {
    const labels = Int32Array.from([0, 1, 1]) // one image of identity 0, two of identity 1
    const { indices } = balancedPlanner(labels, 2, 8, 3, 4)(0)
    expect(indices.length).toBe(8)
    const counts = [0, 0]
    for (const i of indices) counts[labels[i]]++
    expect(counts).toEqual([4, 4])
  })
})
