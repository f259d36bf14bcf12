import type { AppInfo } from '../../common/dto'

export interface AppIdentity {
  getName(): string
  getVersion(): string
}

/** Builds the `app:info` answer from the app and the process it runs in. */
export function collectAppInfo(
  app: AppIdentity,
  versions: Readonly<Record<string, string | undefined>> = process.versions,
  platform: string = process.platform
): AppInfo {
  const info: AppInfo = {
    name: app.getName(),
    version: app.getVersion(),
    node: versions.node ?? 'unknown',
    platform
  }
  if (versions.electron) info.electron = versions.electron
  if (versions.chrome) info.chrome = versions.chrome
  return info
}
