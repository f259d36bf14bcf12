/**
 * Jobs that parse datasets (inspection with its thumbnails). They run in a worker thread of their
 * own with a memory cap (see DatasetsService), never on a host's main thread, so a large or
 * malformed file can slow or fail only its own job. They need no tensors: tfjs is never loaded.
 */
import { HostError } from '../../common/contract'
import { inspectDataset } from '../../core/data/inspect'
import { datasetReport } from '../datasetReport'
import type { DataJobKind, JobInputs, JobOutputs, Progress } from './protocol'

async function inspect(input: JobInputs['inspect-dataset'], progress: Progress): Promise<JobOutputs['inspect-dataset']> {
  progress(null, `Inspecting ${input.path}`)
  let report
  try {
    report = await inspectDataset(input.path, { decode: input.decode })
  } catch (error) {
    // What is wrong with the dataset, in words: the request's fault, not the host's.
    throw new HostError('bad-request', error instanceof Error ? error.message : String(error))
  }
  return datasetReport(report, progress)
}

export async function runDataJob<K extends DataJobKind>(
  kind: K,
  input: JobInputs[K],
  progress: Progress
): Promise<JobOutputs[K]> {
  const jobs: { [J in DataJobKind]: (input: JobInputs[J], progress: Progress) => Promise<JobOutputs[J]> } = {
    'inspect-dataset': inspect
  }
  return (jobs[kind] as (input: JobInputs[K], progress: Progress) => Promise<JobOutputs[K]>)(input, progress)
}
