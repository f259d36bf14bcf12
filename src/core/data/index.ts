export * from './fontDataset'
export * from './imageSets'
export * from './fontTask'
export * from './batches'
