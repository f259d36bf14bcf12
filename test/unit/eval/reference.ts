// Brute-force references for the eval tests: O(n·t) loops over every candidate threshold,
// written without the sorted-merge tricks of src/core/eval so the two can disagree.
import { createRng } from '../../../src/core/util/rng'

/** Seeded uniform numbers for the random test data. */
export function mulberry32(seed: number): () => number {
  return createRng(seed).next
}

/** Random pairs: genuine scores shifted up, rounded to `levels` steps so ties are common. */
export function randomPairs(n: number, seed: number, levels = 20, pGenuine = 0.5): { labels: number[]; scores: number[] } {
  const rand = mulberry32(seed)
  const labels: number[] = []
  const scores: number[] = []
  for (let i = 0; i < n; i++) {
    const label = rand() < pGenuine ? 1 : 0
    const raw = rand() + rand() - 1 + (label ? 0.6 : 0)
    labels.push(label)
    scores.push(Math.round(raw * levels) / levels)
  }
  return { labels, scores }
}

function count(labels: number[], scores: number[], t: number, label: number): number {
  let c = 0
  for (let i = 0; i < labels.length; i++) if (labels[i] === label && scores[i] >= t) c++
  return c
}

export function refRoc(labels: number[], scores: number[]): { fpr: number[]; tpr: number[]; thresholds: number[] } {
  const P = labels.filter((l) => l === 1).length
  const N = labels.length - P
  const thresholds = [Infinity, ...[...new Set(scores)].sort((a, b) => b - a)]
  return {
    thresholds,
    tpr: thresholds.map((t) => count(labels, scores, t, 1) / P),
    fpr: thresholds.map((t) => count(labels, scores, t, 0) / N)
  }
}

/** AUC as the Mann–Whitney statistic: P(genuine > impostor) + ½ P(tie), equal to the trapezoid. */
export function refAuc(labels: number[], scores: number[]): number {
  let sum = 0
  let pairs = 0
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue
      pairs++
      sum += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0
    }
  }
  return sum / pairs
}

/** EER by solving FPR(x) = 1 − TPR(x) on each ROC segment in turn. */
export function refEer(labels: number[], scores: number[]): { eer: number; threshold: number } {
  const { fpr, tpr, thresholds } = refRoc(labels, scores)
  for (let k = 1; k < fpr.length; k++) {
    const f0 = fpr[k - 1] - (1 - tpr[k - 1])
    const f1 = fpr[k] - (1 - tpr[k])
    if (f0 < 0 && f1 >= 0) {
      const t = -f0 / (f1 - f0)
      const threshold = k === 1 ? thresholds[1] : thresholds[k - 1] + t * (thresholds[k] - thresholds[k - 1])
      return { eer: fpr[k - 1] + t * (fpr[k] - fpr[k - 1]), threshold }
    }
  }
  throw new Error('no crossing')
}

export function refTarAtFar(labels: number[], scores: number[], far: number): number {
  const { fpr, tpr } = refRoc(labels, scores)
  let best = 0
  for (let k = 0; k < fpr.length; k++) if (fpr[k] <= far) best = Math.max(best, tpr[k])
  return best
}

function accuracyAt(labels: number[], scores: number[], t: number): number {
  let correct = 0
  for (let i = 0; i < labels.length; i++) if (scores[i] >= t === (labels[i] === 1)) correct++
  return correct / labels.length
}

/** Best threshold on a set: max accuracy, ties to the smallest score, then the gap midpoint below it. */
export function refBestThreshold(labels: number[], scores: number[]): { threshold: number; accuracy: number } {
  const ascending = [...new Set(scores)].sort((a, b) => a - b)
  const candidates = [...ascending, Infinity]
  let best = -1
  let bestIdx = -1
  candidates.forEach((t, idx) => {
    const acc = accuracyAt(labels, scores, t)
    if (acc > best) {
      best = acc
      bestIdx = idx
    }
  })
  const s = candidates[bestIdx]
  const threshold = bestIdx === 0 || s === Infinity ? s : (s + candidates[bestIdx - 1]) / 2
  return { threshold, accuracy: best }
}

export function refTenFold(labels: number[], scores: number[]): { folds: number[]; thresholds: number[] } {
  const n = labels.length
  const folds: number[] = []
  const thresholds: number[] = []
  for (let k = 0; k < 10; k++) {
    const start = Math.floor((k * n) / 10)
    const end = Math.floor(((k + 1) * n) / 10)
    if (start === end) continue
    const trainL = [...labels.slice(0, start), ...labels.slice(end)]
    const trainS = [...scores.slice(0, start), ...scores.slice(end)]
    const { threshold } = refBestThreshold(trainL, trainS)
    folds.push(accuracyAt(labels.slice(start, end), scores.slice(start, end), threshold))
    thresholds.push(threshold)
  }
  return { folds, thresholds }
}
