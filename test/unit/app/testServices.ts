// The services as the hosts build them, for tests: real workspace and settings files, events
// recorded, and no trainer or engine job (a test that reaches one fails saying so).
import type { EventChannel } from '../../../src/common/contract'
import { createServices, type Dialogs, type Services } from '../../../src/services/index'

export function createTestServices(options: {
  settingsFile: string
  defaultWorkspace: string
  emitted: { event: EventChannel; payload: unknown }[]
  dialogs?: Dialogs
}): Services {
  return createServices({
    settingsFile: options.settingsFile,
    defaultWorkspace: options.defaultWorkspace,
    appInfo: () => ({ name: 'x', version: '1', node: '20', platform: 'linux' }),
    emit: (event, payload) => options.emitted.push({ event, payload }),
    launchTrainer: () => {
      throw new Error('no trainer in this test')
    },
    runJob: async () => {
      throw new Error('no jobs in this test')
    },
    ...(options.dialogs ? { dialogs: options.dialogs } : {})
  })
}
