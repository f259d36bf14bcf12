/** Native open/save dialogs behind the contract's `dialog:*` channels. */
import type { MessageBoxOptions, OpenDialogOptions, SaveDialogOptions } from 'electron'
import type { DialogResult, RequestOf } from '../common/contract'
import type { Dialogs } from '../services/index'

export interface DialogApi {
  showOpenDialog(options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>
  showSaveDialog(options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }>
  showMessageBox(options: MessageBoxOptions): Promise<{ response: number }>
}

/** The native prompt for a path the page typed or dropped: the page cannot press its buttons. */
export function accessPromptOptions(path: string, purpose: string): MessageBoxOptions {
  return {
    type: 'question',
    title: 'Allow access?',
    message: `Allow D-Softmax Studio to ${purpose}?`,
    detail: path,
    buttons: ['Allow', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    noLink: true
  }
}

const DATASET_FILTERS = [
  { name: 'Datasets (.rec, .bin, pairs .txt/.csv)', extensions: ['rec', 'bin', 'txt', 'csv'] },
  { name: 'All files', extensions: ['*'] }
]

export function openDialogOptions(request: RequestOf<'dialog:open'>): OpenDialogOptions {
  const properties: OpenDialogOptions['properties'] =
    request.kind === 'file'
      ? ['openFile']
      : request.kind === 'dataset'
        ? ['openFile', 'openDirectory']
        : ['openDirectory', 'createDirectory']
  return {
    title:
      request.title ??
      (request.kind === 'workspace' ? 'Open a workspace folder' : request.kind === 'dataset' ? 'Choose a dataset' : 'Choose'),
    properties,
    ...(request.filters ? { filters: request.filters } : request.kind === 'dataset' ? { filters: DATASET_FILTERS } : {})
  }
}

export function electronDialogs(dialog: DialogApi): Dialogs {
  return {
    async open(request): Promise<DialogResult> {
      const result = await dialog.showOpenDialog(openDialogOptions(request))
      return {
        supported: true,
        canceled: result.canceled || result.filePaths.length === 0,
        ...(result.filePaths[0] ? { path: result.filePaths[0] } : {})
      }
    },
    async confirmAccess(path, purpose): Promise<boolean> {
      return (await dialog.showMessageBox(accessPromptOptions(path, purpose))).response === 0
    },
    async save(request): Promise<DialogResult> {
      const result = await dialog.showSaveDialog({
        ...(request.title ? { title: request.title } : {}),
        ...(request.defaultName ? { defaultPath: request.defaultName } : {}),
        ...(request.filters ? { filters: request.filters } : {})
      })
      return {
        supported: true,
        canceled: result.canceled || !result.filePath,
        ...(result.filePath ? { path: result.filePath } : {})
      }
    }
  }
}
