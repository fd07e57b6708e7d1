import { refuse } from './errors.js'

export class TransitionError<S extends string = string> extends Error {
  override name = 'TransitionError'
  constructor(
    readonly from: S,
    readonly to: S,
    noun = 'resource',
  ) {
    super(`a ${noun} in status ${from} cannot move to ${to}`)
  }
}

/** Something with a PPRO status that changes over time: a charge or an agreement. */
export interface Stateful<S extends string> {
  id: string
  status: S
  updatedAt: number
}

/**
 * A state machine as data: PPRO's status names, the moves each allows, the terminal set, and the one
 * function through which every change of a stored resource's status passes.
 */
export function defineMachine<S extends string>(noun: string, transitions: Readonly<Record<S, readonly S[]>>) {
  const statuses = Object.keys(transitions) as S[]
  const canTransition = (from: S, to: S): boolean => transitions[from].includes(to)
  const nextStatus = (from: S, to: S): S | TransitionError<S> => {
    return canTransition(from, to) ? to : new TransitionError(from, to, noun)
  }
  return {
    transitions,
    /** Statuses a resource never leaves. */
    terminal: new Set(statuses.filter((s) => transitions[s].length === 0)) as ReadonlySet<S>,
    canTransition,
    nextStatus,
    /** Refused moves are 400s that name both statuses; the resource is then left untouched. */
    transition(resource: Stateful<S>, to: S, at: number): void {
      const next = nextStatus(resource.status, to)
      if (next instanceof TransitionError) throw refuse('transitionRefused', noun, resource.id, resource.status, to)
      resource.status = next
      resource.updatedAt = at
    },
  }
}
