// A Figure 1 result as the host sends it: four runs, the last with a collapsed pair of centres.
import type { Figure1Result, Figure1RunView } from '../../../../src/common/contract'

function run(loss: 'softmax' | 'dsoftmax', classCount: number, collapsed = false): Figure1RunView {
  const classes = '0123456789'.slice(0, classCount).split('')
  const centres = classes.flatMap((_, k) => {
    const a = (2 * Math.PI * k) / classCount
    return [Math.cos(a), Math.sin(a), 0]
  })
  if (collapsed) centres.splice(3, 3, ...centres.slice(0, 3))
  const angles = {
    intraMean: loss === 'softmax' ? 20 : 8,
    interMin: collapsed ? 0 : 36,
    closest: ['0', '1'] as [string, string],
    centresMin: collapsed ? 0 : 36,
    centresClosest: ['0', '1'] as [string, string],
    collapsed,
    warnings: collapsed ? ['class collapse: the learned class centres of 0 and 1 are 0.00° apart'] : []
  }
  return {
    label: `${loss === 'softmax' ? 'Softmax' : 'D-Softmax s=10'}, ${classCount} classes`,
    loss,
    s: loss === 'softmax' ? null : 10,
    classCount,
    classes,
    steps: 300,
    trainSeconds: 12,
    finalLoss: 0.5,
    train: angles,
    test: { ...angles, centresMin: null, centresClosest: null },
    points: centres,
    labels: classes.map((_, k) => k),
    centres
  }
}

export function figure1Result(): Figure1Result {
  return {
    runs: [run('softmax', 5), run('dsoftmax', 5), run('softmax', 10), run('dsoftmax', 10, true)],
    warnings: ['D-Softmax s=10, 10 classes (train): class collapse: the learned class centres of 0 and 1 are 0.00° apart'],
    collapseDegrees: 5,
    backend: 'wasm',
    seconds: 50,
    file: '/w/studies/figure1-20260101-000000.json'
  }
}
