/** The web host's services: the same createServices as Electron, with Node's fork for trainers and no native dialogs. */
import { join } from 'node:path'
import { homedir } from 'node:os'
import { PRODUCT_NAME } from '../common/product'
import type { AppInfo } from '../common/contract'
import { forkTrainer } from '../core/train/process/fork'
import { defaultWorkspace } from '../core/train/runs'
import type { Emit } from '../services/events'
import { createServices, NO_DIALOGS, type Services } from '../services/index'
import pkg from '../../package.json' with { type: 'json' }

export function webAppInfo(): AppInfo {
  return {
    name: PRODUCT_NAME,
    version: pkg.version,
    node: process.versions.node,
    platform: process.platform,
    host: 'web',
    tfjs: pkg.dependencies['@tensorflow/tfjs'],
    nativeDialogs: false
  }
}

/** Where the web host keeps its settings (recent workspaces): XDG config, like other CLI tools. */
export function webSettingsFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DSOFTMAX_SETTINGS) return env.DSOFTMAX_SETTINGS
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'dsoftmax-studio', 'web-settings.json')
}

export function createWebServices(emit: Emit, options: { workspace?: string; settingsFile?: string } = {}): Services {
  const services = createServices({
    settingsFile: options.settingsFile ?? webSettingsFile(),
    defaultWorkspace: options.workspace ?? defaultWorkspace(),
    appInfo: webAppInfo,
    emit,
    launchTrainer: () => forkTrainer(),
    dialogs: NO_DIALOGS
  })
  // A workspace named on the command line wins over the one remembered.
  if (options.workspace) services.workspace.open(options.workspace, true)
  return services
}
