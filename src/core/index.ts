// The engine's public surface: plain TypeScript, no Electron, no DOM.
export { tf } from './tf'
export * from './losses'
export * from './eval'
export * from './models'
export * from './train'
export * from './backend'
export * from './data'
