export * from './spec'
export * from './backbone'
export * from './architectures'
export * from './embed'
