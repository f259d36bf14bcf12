import type { AppInfo, BackendReport } from '../../../src/common/dto'

export const FAKE_INFO: AppInfo = {
  name: 'D-Softmax Studio',
  version: '9.8.7-test',
  electron: '45.3.4',
  node: '22.20.0',
  chrome: '142.0.0.0',
  platform: 'linux'
}

export const PROBED_REPORT: BackendReport = {
  status: 'probed',
  choice: 'wasm',
  reason: 'wasm loaded with patched gradients',
  rejected: [{ candidate: '@tensorflow/tfjs-node-gpu', reason: 'package not installed' }]
}

export const NOT_PROBED_REPORT: BackendReport = {
  status: 'not-probed',
  choice: null,
  reason: 'No backend has been probed yet.',
  rejected: []
}
