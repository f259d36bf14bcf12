export * from './fontDataset'
