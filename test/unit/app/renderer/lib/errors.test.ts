import { describe, expect, it } from 'vitest'
import { ContractError, HostError } from '../../../../../src/common/contract'
import { describeError, toUserError } from '../../../../../src/renderer/src/lib/errors'

describe('toUserError', () => {
  it('chooses the hint by the error code', () => {
    expect(toUserError(new HostError('no-space', 'could not write run.json'))).toEqual({
      message: 'could not write run.json',
      hint: 'The disk is full: free some space and try again.'
    })
    expect(toUserError(new HostError('unauthorized', 'this server needs its token')).hint).toMatch(/exact URL the host printed/)
    expect(toUserError(ContractError.rebuilt('runs:get', 'unknown-channel', 'no channel')).hint).toMatch(/do not match/)
  })

  it('never guesses a hint from the wording', () => {
    // Words that used to trigger hints (not found, token, cancel) carry none without a code.
    expect(toUserError(new HostError('failed', 'dataset not found in the token cache; cancel?'))).toEqual({
      message: 'dataset not found in the token cache; cancel?'
    })
    expect(toUserError(new Error('ENOSPC: no space left on device'))).toEqual({ message: 'ENOSPC: no space left on device' })
    expect(
      toUserError(new HostError('malformed-request', 'contract violation on "datasets:inspect": path: must be an absolute path'))
    ).not.toHaveProperty('hint')
  })

  it('keeps the message of anything thrown, and says when there is none', () => {
    expect(toUserError("Error invoking remote method 'app:info': Error: No handler registered for 'app:info'")).toEqual({
      message: "No handler registered for 'app:info'"
    })
    expect(toUserError(42)).toEqual({ message: 'Something went wrong, and the host gave no reason.' })
    expect(describeError(new HostError('cancelled', 'export: cancelled'))).toBe(
      'export: cancelled — The action was cancelled; nothing was changed.'
    )
  })
})
