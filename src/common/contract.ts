/**
 * The typed contract between the renderer and its host — Electron main (IPC) and the web host
 * (HTTP + WebSocket). Each channel is a pair of zod schemas; the TypeScript types are inferred
 * from them, so a channel cannot exist without its validators. Hosts parse every request (and
 * check their own responses); clients check every event payload. Every answer travels in the
 * envelope of ./envelope.ts (src/services/dispatch.ts makes it, openEnvelope opens it).
 *
 * Request channels (renderer → host, answered once):
 *   app:info               → AppInfo (versions, host kind, whether native dialogs exist)
 *   backend:probe          → BackendReport (the last trainer's backend, or "not probed")
 *   workspace:get          → WorkspaceInfo (path, recent workspaces, run count)
 *   workspace:open         {path, create?} → WorkspaceInfo
 *   runs:list              → RunList
 *   runs:get               {id} → RunDetail (config, metrics history, checkpoints, log tail)
 *   runs:rename            {id, name} → RunSummary
 *   runs:tag               {id, add, remove?} → RunSummary
 *   runs:delete            {id} → {id}   (refused while it trains)
 *   runs:compare           {ids} → RunComparison
 *   datasets:inspect       {path, decode?, taskId?} → DatasetReport
 *   datasets:list          → DatasetEntry[] (the bundled dataset first)
 *   datasets:add           {path, name?, taskId?} → {entry, report}
 *   datasets:remove        {id} → DatasetEntry[]
 *   datasets:align         {source, target, size?, margin?, minFaceSize?, multiFace?, detector?, addDataset?, taskId?}
 *                          → AlignFacesResult (counts, rejects by file, a sample of crops, the added dataset)
 *   training:catalog       → TrainingCatalog (presets, backbones, losses with knobs, backends)
 *   training:validate      {recipe} → RecipeCheck (problems + memory/time estimate)
 *   training:start         {kind:'quick'} | {kind:'recipe', recipe, name?, backend?} → TrainingState
 *   training:resumeRun     {runId, backend?} → TrainingState (an interrupted/stopped run)
 *   training:pause|resume|stop {runId} → TrainingState
 *   training:active        → TrainingState[] (trainings this host runs or just ran)
 *   eval:run               {runId, pairs, checkpoint?, flip?, worst?, taskId?} → EvaluationReport
 *   eval:embedding         {runId, method?, …, taskId?} → EmbeddingProjection
 *   eval:list              {runId} → EvaluationReport[] (saved under the run's eval/)
 *   export:onnx            {runId, checkpoint?, target?, normalize?, taskId?} → OnnxExportResult
 *   export:embeddings      {runId, format, …} → EmbeddingsExportResult
 *   export:tfjs            {runId, checkpoint?, target?, taskId?} → TfjsExportResult
 *   dialog:open            {kind, title?, filters?} → DialogResult ({supported:false} on the web)
 *   dialog:save            {title?, defaultName?, filters?} → DialogResult
 *   task:cancel            {taskId} → {cancelled}
 *   study:figure1          {steps?, measurePerClass?, taskId?} → Figure1Result (four runs, angles, spheres)
 *   sweeps:plan            SweepRequest → SweepPlanResult (runs, problems, time estimate)
 *   sweeps:start           SweepRequest → SweepStatus (Slurm: submitted; local: served by this host)
 *   sweeps:list            → SweepSummary[]
 *   sweeps:status          {id} → SweepStatus (scheduler + run folders; polled)
 *   sweeps:cancel          {id, runs?} → SweepStatus
 *   sweeps:requeue         {id, runs} → SweepStatus (each run continues from its last checkpoint)
 *   sweeps:compare         {id} → SweepComparison (swept values vs AUC, TAR@FAR, 10-fold)
 *
 * Push events (host → renderer; `on` returns an unsubscribe function):
 *   backend:report, training:event ({runId, event: HostEvent}), training:state, training:log,
 *   task:progress, runs:changed, datasets:changed, workspace:changed, menu:command, notice
 */
import { z } from 'zod'
import { appInfoSchema, backendReportSchema } from './dto'
import { type ContractErrorCode, type Envelope, HostError, envelopeSchema, isContractErrorCode } from './envelope'
import { receive } from './messages'
import { noRequest } from './schemas/base'
import * as datasets from './schemas/datasets'
import * as evaluation from './schemas/evaluation'
import * as events from './schemas/events'
import * as exports from './schemas/exports'
import * as host from './schemas/host'
import * as runs from './schemas/runs'
import * as study from './schemas/study'
import * as sweeps from './schemas/sweeps'
import * as training from './schemas/training'

interface ChannelSchemas {
  readonly request: z.ZodType
  readonly response: z.ZodType
}

function channel<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res): { request: Req; response: Res } {
  return { request, response }
}

/** Every request channel with its request and response schema. */
export const REQUEST_SCHEMAS = {
  'app:info': channel(noRequest, appInfoSchema),
  'backend:probe': channel(noRequest, backendReportSchema),

  'workspace:get': channel(noRequest, runs.workspaceInfoSchema),
  'workspace:open': channel(runs.openWorkspaceRequestSchema, runs.workspaceInfoSchema),

  'runs:list': channel(noRequest, runs.runListSchema),
  'runs:get': channel(runs.runIdRequestSchema, runs.runDetailSchema),
  'runs:rename': channel(runs.renameRunRequestSchema, runs.runSummarySchema),
  'runs:tag': channel(runs.tagRunRequestSchema, runs.runSummarySchema),
  'runs:delete': channel(runs.runIdRequestSchema, z.strictObject({ id: z.string() })),
  'runs:compare': channel(runs.compareRunsRequestSchema, runs.runComparisonSchema),

  'datasets:inspect': channel(datasets.inspectDatasetRequestSchema, datasets.datasetReportSchema),
  'datasets:list': channel(noRequest, z.array(datasets.datasetEntrySchema)),
  'datasets:add': channel(datasets.addDatasetRequestSchema, datasets.addDatasetResponseSchema),
  'datasets:remove': channel(datasets.removeDatasetRequestSchema, z.array(datasets.datasetEntrySchema)),
  'datasets:align': channel(datasets.alignFacesRequestSchema, datasets.alignFacesResultSchema),

  'training:catalog': channel(noRequest, training.trainingCatalogSchema),
  'training:validate': channel(training.validateRecipeRequestSchema, training.recipeCheckSchema),
  'training:start': channel(training.startTrainingRequestSchema, training.trainingStateSchema),
  'training:resumeRun': channel(training.resumeRunRequestSchema, training.trainingStateSchema),
  'training:pause': channel(training.runControlRequestSchema, training.trainingStateSchema),
  'training:resume': channel(training.runControlRequestSchema, training.trainingStateSchema),
  'training:stop': channel(training.runControlRequestSchema, training.trainingStateSchema),
  'training:active': channel(noRequest, z.array(training.trainingStateSchema)),

  'eval:run': channel(evaluation.evaluateRequestSchema, evaluation.evaluationReportSchema),
  'eval:embedding': channel(evaluation.embeddingRequestSchema, evaluation.embeddingProjectionSchema),
  'eval:list': channel(evaluation.listEvaluationsRequestSchema, z.array(evaluation.evaluationReportSchema)),

  'export:onnx': channel(exports.exportOnnxRequestSchema, exports.onnxExportResultSchema),
  'export:embeddings': channel(exports.exportEmbeddingsRequestSchema, exports.embeddingsExportResultSchema),
  'export:tfjs': channel(exports.exportTfjsRequestSchema, exports.tfjsExportResultSchema),

  'dialog:open': channel(host.openDialogRequestSchema, host.dialogResultSchema),
  'dialog:save': channel(host.saveDialogRequestSchema, host.dialogResultSchema),
  'task:cancel': channel(host.cancelTaskRequestSchema, host.cancelTaskResponseSchema),

  'study:figure1': channel(study.figure1RequestSchema, study.figure1ResultSchema),

  'sweeps:plan': channel(sweeps.sweepRequestSchema, sweeps.sweepPlanResultSchema),
  'sweeps:start': channel(sweeps.sweepRequestSchema, sweeps.sweepStatusSchema),
  'sweeps:list': channel(noRequest, z.array(sweeps.sweepSummarySchema)),
  'sweeps:status': channel(sweeps.sweepIdRequestSchema, sweeps.sweepStatusSchema),
  'sweeps:cancel': channel(sweeps.sweepRunsRequestSchema, sweeps.sweepStatusSchema),
  'sweeps:requeue': channel(sweeps.sweepRunsRequestSchema, sweeps.sweepStatusSchema),
  'sweeps:compare': channel(sweeps.sweepIdRequestSchema, sweeps.sweepComparisonSchema)
} as const satisfies Record<string, ChannelSchemas>

/** Every push event with its payload schema. */
export const EVENT_SCHEMAS = {
  'backend:report': backendReportSchema,
  'training:event': events.trainingEventSchema,
  'training:state': training.trainingStateSchema,
  'training:log': events.trainingLogSchema,
  'task:progress': host.taskProgressSchema,
  'runs:changed': events.runsChangedSchema,
  'datasets:changed': z.array(datasets.datasetEntrySchema),
  'workspace:changed': runs.workspaceInfoSchema,
  'menu:command': host.menuCommandSchema,
  notice: events.noticeSchema
} as const satisfies Record<string, z.ZodType>

type RequestSchemaMap = typeof REQUEST_SCHEMAS
export type RequestChannel = keyof RequestSchemaMap
export type EventChannel = keyof typeof EVENT_SCHEMAS

/** Request/response types per channel, inferred from the schemas. */
export type RequestMap = {
  [C in RequestChannel]: {
    request: z.output<RequestSchemaMap[C]['request']>
    response: z.output<RequestSchemaMap[C]['response']>
  }
}
/** Payload types per event, inferred from the schemas. */
export type EventMap = { [E in EventChannel]: z.output<(typeof EVENT_SCHEMAS)[E]> }

export type RequestOf<C extends RequestChannel> = RequestMap[C]['request']
export type ResponseOf<C extends RequestChannel> = RequestMap[C]['response']
export type PayloadOf<E extends EventChannel> = EventMap[E]

/** Argument list of an invoker: none for channels without a request, one otherwise. */
export type RequestArgs<C extends RequestChannel> = [RequestOf<C>] extends [undefined] ? [] : [request: RequestOf<C>]

export const REQUEST_CHANNELS: readonly RequestChannel[] = Object.freeze(Object.keys(REQUEST_SCHEMAS) as RequestChannel[])
export const EVENT_CHANNELS: readonly EventChannel[] = Object.freeze(Object.keys(EVENT_SCHEMAS) as EventChannel[])

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && Object.hasOwn(REQUEST_SCHEMAS, value)
}

export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && Object.hasOwn(EVENT_SCHEMAS, value)
}

/** True when the channel is invoked without an argument. */
export function takesNoRequest(channel: RequestChannel): boolean {
  return REQUEST_SCHEMAS[channel].request === noRequest
}

/**
 * Raised when something does not match the contract (bad channel, request, response or
 * payload). A HostError, so its code crosses every transport like any other.
 */
export class ContractError extends HostError {
  declare readonly code: ContractErrorCode

  constructor(
    readonly channel: string,
    detail: string,
    code: ContractErrorCode = 'malformed-request'
  ) {
    super(code, `contract violation on "${channel}": ${detail}`)
    this.name = 'ContractError'
  }

  /** The same error on the client side of a transport, message as the host wrote it. */
  static rebuilt(channel: string, code: ContractErrorCode, message: string): ContractError {
    const error = new ContractError(channel, '', code)
    error.message = message
    return error
  }
}

/**
 * Validates the raw argument list a host received for `channel`. Returns the parsed request
 * (undefined for channels without one; unknown keys refused) or throws a ContractError.
 */
export function parseRequest<C extends RequestChannel>(channel: C, args: readonly unknown[]): RequestOf<C> {
  if (!isRequestChannel(channel)) throw new ContractError(String(channel), 'not a request channel', 'unknown-channel')
  const none = takesNoRequest(channel)
  if (args.length > 1 || (none && args.length !== 0) || (!none && args.length !== 1)) {
    throw new ContractError(channel, `expected ${none ? 'no argument' : 'one argument'}, got ${args.length}`)
  }
  const result = receive('request', REQUEST_SCHEMAS[channel].request, args[0])
  if (!result.ok) throw new ContractError(channel, result.error)
  return result.value as RequestOf<C>
}

/** Checks a host's own response before it leaves (a failure is the host's bug, said loudly). */
export function parseResponse<C extends RequestChannel>(channel: C, value: unknown): ResponseOf<C> {
  const result = receive('response', REQUEST_SCHEMAS[channel].response, value)
  if (!result.ok) throw new ContractError(channel, result.error, 'malformed-response')
  return result.value as ResponseOf<C>
}

/** Checks an event payload (hosts before sending, clients on arrival). */
export function parsePayload<E extends EventChannel>(event: E, value: unknown): PayloadOf<E> {
  if (!isEventChannel(event)) throw new ContractError(String(event), 'not an event channel', 'unknown-channel')
  const result = receive('payload', EVENT_SCHEMAS[event], value)
  if (!result.ok) throw new ContractError(event, result.error, 'malformed-response')
  return result.value as PayloadOf<E>
}

export function isPayload<E extends EventChannel>(event: E, value: unknown): value is PayloadOf<E> {
  return isEventChannel(event) && EVENT_SCHEMAS[event].safeParse(value).success
}

/** Invokers generated from the contract: `api.invoke['runs:get']({ id })`. */
export type Invokers = { readonly [C in RequestChannel]: (...args: RequestArgs<C>) => Promise<ResponseOf<C>> }
/** The same invokers one step earlier: they resolve with the host's envelope, success or not. */
export type EnvelopeInvokers = { readonly [C in RequestChannel]: (...args: RequestArgs<C>) => Promise<Envelope<ResponseOf<C>>> }

export type Unsubscribe = () => void

/** Frozen invokers for every request channel; each hands its channel and argument list to `call`. */
export function createInvokers<I extends Invokers | EnvelopeInvokers = Invokers>(
  call: (channel: RequestChannel, args: unknown[]) => Promise<unknown>
): I {
  return Object.freeze(
    Object.fromEntries(REQUEST_CHANNELS.map((channel) => [channel, (...args: unknown[]) => call(channel, args)]))
  ) as unknown as I
}

/** Checks a subscription at runtime too: the renderer is not trusted to respect the types. */
export function checkSubscription(event: unknown, listener: unknown): void {
  if (!isEventChannel(event)) throw new ContractError(String(event), 'not an event channel', 'unknown-channel')
  if (typeof listener !== 'function') throw new ContractError(event, 'listener must be a function')
}

type Subscribe = <E extends EventChannel>(event: E, listener: (payload: PayloadOf<E>) => void) => Unsubscribe

/**
 * What the renderer may use — and all it may use — to talk to its host: built from the
 * preload's BridgeApi in Electron, by the web client (src/renderer/src/host/webApi.ts) over
 * HTTP + WebSocket. A failed request rejects with the host's HostError, code included.
 */
export interface ContractApi {
  readonly invoke: Invokers
  readonly on: Subscribe
}

/**
 * What the Electron preload exposes as `window.api`. Its invokers resolve with the envelope
 * itself, failures included: contextBridge copies an Error's message only, so a HostError's
 * class and code would not survive the crossing; plain data does, and the renderer opens it.
 */
export interface BridgeApi {
  readonly invoke: EnvelopeInvokers
  readonly on: Subscribe
}

/**
 * The client side of every transport: the value of a success envelope, or the host's error
 * rebuilt with its code (a ContractError for the contract's own refusals). Anything that is
 * not an envelope is said as 'unreachable'.
 */
export function openEnvelope(channel: string, answer: unknown): unknown {
  const parsed = envelopeSchema.safeParse(answer)
  if (!parsed.success) throw new HostError('unreachable', `the host's answer to "${channel}" is not one it could have sent`)
  if (parsed.data.ok) return parsed.data.value
  const { code, message } = parsed.data.error
  throw isContractErrorCode(code) ? ContractError.rebuilt(channel, code, message) : new HostError(code, message)
}

export { HOST_ERROR_CODES, HostError, type HostErrorCode } from './envelope'

// Re-exported so hosts and clients import every DTO type from one place.
export type { AppInfo, BackendReport } from './dto'
export type { WorkspaceInfo, RunSummary, RunList, RunDetail, MetricsHistory, RunComparison, RunStatus } from './schemas/runs'
export type { AlignFacesResult, DatasetReport, DatasetEntry, DatasetFormat } from './schemas/datasets'
export type { TrainingCatalog, RecipeCheck, Estimate, TrainingState, StartTrainingRequest } from './schemas/training'
export type { TrainRecipe, LossName, BackboneName } from './schemas/recipe'
export type { EvaluationReport, EmbeddingProjection } from './schemas/evaluation'
export type { OnnxExportResult } from './schemas/exports'
export type EmbeddingsExportResult = ResponseOf<'export:embeddings'>
export type TfjsExportResult = ResponseOf<'export:tfjs'>
export type { DialogResult, TaskProgress, MenuCommand } from './schemas/host'
export type { TrainingEvent } from './schemas/events'
export type { Figure1Result, Figure1RunView } from './schemas/study'
export type { SweepRequest, SweepPlanResult, SweepSummary, SweepStatus, SweepRunStatus, SweepComparison } from './schemas/sweeps'
