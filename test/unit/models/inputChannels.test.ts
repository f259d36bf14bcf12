// One function says how many channels a backbone's images have, and the trainer reads images that
// way. glyph-cnn-linear once trained on RGB images of a dataset on disk while the estimate sized it
// for grayscale: the trainer tested for 'glyph-cnn' only.
import { afterAll, describe, expect, it } from 'vitest'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { BACKBONE_NAMES } from '../../../src/common/names'
import type { TrainerProcessEvent } from '../../../src/common/trainer'
import { loadRun } from '../../../src/core/export/runLoader'
import { BACKBONE_INFO, backboneSpec, inputChannels } from '../../../src/core/models'
import { presetConfig, type TrainConfig } from '../../../src/core/train'
import { runSession } from '../../../src/core/train/session'
import { channelsOf } from '../../../src/services/estimate'
import { tempDir, writeIdentityFolder } from '../data/fixtures'

const root = tempDir('dsoftmax-channels-')
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('input channels of a backbone', () => {
  it('are the channels its constructor builds for when not told, for every backbone', () => {
    for (const name of BACKBONE_NAMES) {
      const built = backboneSpec(name, { embeddingDim: 8 }).input[2]
      expect(inputChannels(name), name).toBe(built)
      expect(BACKBONE_INFO[name].input[1], name).toBe(built)
      expect(channelsOf({ backbone: name }), name).toBe(built)
    }
    expect(inputChannels('glyph-cnn-linear')).toBe(1)
    expect(inputChannels('ir-50')).toBe(3)
  })

  it('are the channels the trainer reads images from disk with (glyph-cnn-linear: grayscale)', async () => {
    const data = join(root, 'identities')
    await writeIdentityFolder(data, ['ann', 'bob', 'cy'], 4, 32, ['png'])
    const config: TrainConfig = {
      ...presetConfig('fonts-quick'),
      dataset: 'files',
      data: { train: data },
      backbone: 'glyph-cnn-linear',
      embeddingDim: 8,
      steps: 1,
      batchSize: 6,
      validateEvery: 0,
      replicas: 1
    }
    const events: TrainerProcessEvent[] = []
    await runSession({ workspace: join(root, 'workspace'), config, backend: 'cpu' }, (e) => events.push(e), {
      shouldStop: () => false,
      gate: () => undefined
    })
    const end = events.at(-1)
    if (end?.type !== 'finished') throw new Error(`the run did not finish: ${JSON.stringify(end)}`)
    // The export loader reads the channel count from the stored first convolution kernel.
    expect(loadRun(end.runDir).spec.input[2]).toBe(1)
  })
})
