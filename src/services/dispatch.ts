/**
 * The one request path both hosts take (Electron main over IPC, the web host over HTTP):
 * look up the channel, parse the request with its schema, run the handler, check the answer
 * with its schema, and wrap the outcome in the envelope of src/common/envelope.ts. Nothing
 * thrown on the way reaches the transport; each kind of failure keeps its own code.
 */
import {
  type RequestChannel,
  type RequestOf,
  type ResponseOf,
  HostError,
  isRequestChannel,
  parseRequest,
  parseResponse
} from '../common/contract'
import { type Envelope, type HostErrorCode, failure, success } from '../common/envelope'

/** Answers one contract channel. */
export type ChannelHandler<C extends RequestChannel> = (request: RequestOf<C>) => ResponseOf<C> | Promise<ResponseOf<C>>
/** One handler per contract channel (the services); a host may serve only some while it starts. */
export type ChannelHandlers = { [C in RequestChannel]: ChannelHandler<C> }

/** Told about failures that are not the caller's doing (a handler's bug, a bad answer), for the host's log. */
export type UnexpectedFailure = (channel: RequestChannel, error: unknown) => void

/** System errors whose errno says what the user can do about them. */
const ERRNO_CODES: Readonly<Record<string, HostErrorCode>> = {
  ENOENT: 'not-found',
  ENOTDIR: 'not-found',
  EACCES: 'forbidden',
  EPERM: 'forbidden',
  EROFS: 'forbidden',
  ENOSPC: 'no-space',
  EDQUOT: 'no-space'
}

function errnoCode(error: unknown): HostErrorCode | undefined {
  const errno = (error as { code?: unknown } | null)?.code
  return typeof errno === 'string' && Object.hasOwn(ERRNO_CODES, errno) ? ERRNO_CODES[errno] : undefined
}

/**
 * Answers one request with an envelope; never throws. `handlers` may lack channels (a host
 * still starting, a test), which answer 'unknown-channel' like names outside the contract.
 */
export async function dispatch(
  handlers: Partial<ChannelHandlers>,
  channel: string,
  args: readonly unknown[],
  onUnexpected: UnexpectedFailure = () => {}
): Promise<Envelope> {
  // isRequestChannel looks at the contract's own keys, so 'toString' or '__proto__' never reach a lookup.
  if (!isRequestChannel(channel)) return failure('unknown-channel', `no channel "${channel.slice(0, 100)}"`)
  let answer: unknown
  try {
    const request = parseRequest(channel, args)
    const handler: unknown = handlers[channel]
    // A host still starting (or a test) may serve only some channels.
    if (typeof handler !== 'function') return failure('unknown-channel', `"${channel}" is not served here`)
    answer = await (handler as ChannelHandler<RequestChannel>)(request as never)
  } catch (error) {
    if (error instanceof HostError) return failure(error.code, error.message)
    const known = errnoCode(error)
    if (known) return failure(known, (error as Error).message)
    onUnexpected(channel, error)
    return failure('failed', error instanceof Error ? error.message : String(error))
  }
  try {
    return success(parseResponse(channel, answer))
  } catch (error) {
    onUnexpected(channel, error)
    return failure('malformed-response', (error as Error).message)
  }
}
