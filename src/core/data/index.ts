export * from './fontDataset'
export * from './imageSets'
export * from './fontTask'
