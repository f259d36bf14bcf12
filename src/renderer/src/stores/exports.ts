/** Exports of a run: ONNX (validated in ONNX Runtime), embeddings (.npy/CSV), TF.js. */
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { OnnxExportResult, RequestMap } from '../../../common/contract'
import { useApi } from '../api'
import type { CheckpointChoice } from '../lib/checkpoints'
import { describeError } from '../lib/errors'
import { useTasksStore } from './tasks'

type EmbeddingsResult = RequestMap['export:embeddings']['response']
type TfjsResult = RequestMap['export:tfjs']['response']
export type ExportKind = 'onnx' | 'embeddings' | 'tfjs'

export const useExportsStore = defineStore('exports', () => {
  const api = useApi()
  const tasks = useTasksStore()
  const onnx = shallowRef<OnnxExportResult | null>(null)
  const embeddings = shallowRef<EmbeddingsResult | null>(null)
  const tfjs = shallowRef<TfjsResult | null>(null)
  const busy = ref<ExportKind | null>(null)
  const error = ref<string | null>(null)

  async function run<T>(kind: ExportKind, label: string, action: (taskId: string) => Promise<T>): Promise<T | null> {
    if (!api) return null
    busy.value = kind
    error.value = null
    try {
      return await tasks.track(`export-${kind}`, label, action)
    } catch (cause) {
      error.value = describeError(cause)
      return null
    } finally {
      busy.value = null
    }
  }

  async function exportOnnx(runId: string, normalize = false, checkpoint?: CheckpointChoice): Promise<void> {
    const result = await run('onnx', `Exporting ${runId} to ONNX and validating it`, (taskId) =>
      api!.invoke['export:onnx']({ runId, normalize, ...(checkpoint ? { checkpoint } : {}), taskId })
    )
    if (result) onnx.value = result
  }

  async function exportEmbeddings(runId: string, format: 'npy' | 'csv', checkpoint?: CheckpointChoice): Promise<void> {
    const result = await run('embeddings', `Exporting embeddings of ${runId}`, (taskId) =>
      api!.invoke['export:embeddings']({ runId, format, ...(checkpoint ? { checkpoint } : {}), taskId })
    )
    if (result) embeddings.value = result
  }

  async function exportTfjs(runId: string, checkpoint?: CheckpointChoice): Promise<void> {
    const result = await run('tfjs', `Exporting ${runId} as a TF.js model`, (taskId) =>
      api!.invoke['export:tfjs']({ runId, ...(checkpoint ? { checkpoint } : {}), taskId })
    )
    if (result) tfjs.value = result
  }

  function reset(): void {
    onnx.value = null
    embeddings.value = null
    tfjs.value = null
    error.value = null
  }

  return { onnx, embeddings, tfjs, busy, error, exportOnnx, exportEmbeddings, exportTfjs, reset }
})
