/**
 * The native prompt behind the renderer's narrowed reach (src/services/grants.ts): it names the
 * path and the purpose, Cancel is the default and the escape answer, and only the Allow button
 * grants. The page cannot press these buttons: the prompt is the main process's own window.
 */
import { describe, expect, it } from 'vitest'
import { accessPromptOptions, electronDialogs, type DialogApi } from '../../../src/main/dialogs'

function dialogAnswering(response: number, seen: unknown[]): DialogApi {
  return {
    showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
    showSaveDialog: async () => ({ canceled: true }),
    showMessageBox: async (options) => {
      seen.push(options)
      return { response }
    }
  }
}

describe('the access prompt', () => {
  it('names the path and purpose, with Cancel as default and escape answer', () => {
    const options = accessPromptOptions('/home/ann/photos', 'read this dataset')
    expect(options.message).toBe('Allow D-Softmax Studio to read this dataset?')
    expect(options.detail).toBe('/home/ann/photos')
    expect(options.buttons).toEqual(['Allow', 'Cancel'])
    expect(options.defaultId).toBe(1)
    expect(options.cancelId).toBe(1)
  })

  it('grants only when the user presses Allow', async () => {
    const seen: unknown[] = []
    expect(await electronDialogs(dialogAnswering(0, seen)).confirmAccess!('/data', 'read this dataset')).toBe(true)
    expect(await electronDialogs(dialogAnswering(1, seen)).confirmAccess!('/data', 'read this dataset')).toBe(false)
    expect(seen).toHaveLength(2)
  })
})
