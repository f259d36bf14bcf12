// Worker-thread entry of `alignFolder`: starts a tfjs backend and the face models once, then aligns
// the photos it is sent and writes each crop itself (atomically), replying with the outcome.
import { parentPort, workerData } from 'node:worker_threads'
import { initBackend, type BackendChoice } from '../backend'
import type { AlignSettings } from './settings'
import { loadFaceModels } from './faceApi'
import { runAlignJob, type AlignJob, type AlignReply } from './alignJob'

export interface AlignWorkerSetup {
  settings: AlignSettings
  backend?: BackendChoice
}

async function serve(): Promise<void> {
  const port = parentPort
  if (!port) throw new Error('alignWorker must run in a worker thread')
  const setup = workerData as AlignWorkerSetup
  try {
    const report = await initBackend(setup.backend ? { force: setup.backend } : {})
    await loadFaceModels(setup.settings.detector)
    port.postMessage({ type: 'ready', backend: report.choice } satisfies AlignReply)
  } catch (error) {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies AlignReply)
    port.close()
    return
  }
  port.on('message', (job: AlignJob | 'close') => {
    if (job === 'close') {
      port.close()
      return
    }
    void runAlignJob(job, setup.settings).then((result) =>
      port.postMessage({ type: 'done', id: job.id, result } satisfies AlignReply)
    )
  })
}

void serve()
