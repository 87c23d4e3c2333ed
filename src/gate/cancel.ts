import os from 'node:os';
import type { ExecutionResult } from '../report/types.js';
import { ownSignals, removeLiveContainers } from '../sandbox/containers.js';
import { notStartedResult } from '../sandbox/run-hardened.js';
import type { HardenedRunSpec } from '../sandbox/types.js';

/**
 * Cancellation of a gate run (job cancelled in GitHub Actions, Ctrl-C, SIGTERM from a CI
 * system). GitHub sends SIGINT, then SIGTERM about 7.5 s later, then SIGKILL about 2.5 s
 * after that; a SIGKILL cannot be caught, so the gate must be done before it.
 *
 * The first SIGINT or SIGTERM aborts the `AbortSignal` the pipeline threads through its
 * stages and removes every live sandbox container at once (the scripts' and scanners'
 * execs end with them). The pipeline then stops starting runs, records the in-flight
 * ones as `cancelled`, writes the partial report, summary and a `run.end` entry saying
 * so, and returns; the entry point exits non-zero. Later signals are only logged: the
 * cleanup already under way is what they ask for. If it has not finished by the
 * deadline, the process exits anyway; the exit hooks remove what is left (containers:
 * src/sandbox/containers.ts; staged copies: src/gate/stage.ts).
 */
export const CANCEL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Below GitHub's 7.5 s from SIGINT to SIGTERM, and well below the 10 s to SIGKILL. */
export const CANCEL_DEADLINE_MS = 7_000;

/** The abort reason a cancelled gate carries: which signal ended it. */
export class GateCancelled extends Error {
  constructor(readonly signalName: NodeJS.Signals) {
    super(`cancelled by ${signalName}`);
    this.name = 'GateCancelled';
  }
}

/** The signal that cancelled the run, or undefined when it was not cancelled. */
export function cancelledBy(signal: AbortSignal | undefined): NodeJS.Signals | undefined {
  if (!signal?.aborted) return undefined;
  return signal.reason instanceof GateCancelled ? signal.reason.signalName : 'SIGTERM';
}

/** Shell convention for a process ended by a signal: 130 for SIGINT, 143 for SIGTERM. */
export function exitCodeFor(signalName: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signalName] ?? 15);
}

export interface GateCancellation {
  readonly signal: AbortSignal;
  /** Removes the handlers (and the deadline); the default signal behaviour returns. */
  dispose(): void;
}

/** Installs the SIGINT/SIGTERM handlers for one gate run. */
export function cancelOnSignals(
  opts: { log?: (line: string) => void; deadlineMs?: number } = {},
): GateCancellation {
  const controller = new AbortController();
  const log = opts.log ?? (() => undefined);
  let deadline: NodeJS.Timeout | undefined;
  const onSignal = (signalName: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log(`${signalName} received again: the cancellation is already cleaning up`);
      return;
    }
    log(`${signalName}: cancelling: stopping the sandboxed runs, then writing the partial report`);
    controller.abort(new GateCancelled(signalName));
    void removeLiveContainers();
    deadline = setTimeout(() => {
      log(`cancellation did not finish within ${opts.deadlineMs ?? CANCEL_DEADLINE_MS} ms: exiting`);
      process.exit(exitCodeFor(signalName));
    }, opts.deadlineMs ?? CANCEL_DEADLINE_MS);
    // Never the thing that keeps a finished process alive.
    deadline.unref();
  };
  ownSignals(true);
  for (const s of CANCEL_SIGNALS) process.on(s, onSignal);
  return {
    signal: controller.signal,
    dispose() {
      for (const s of CANCEL_SIGNALS) process.off(s, onSignal);
      ownSignals(false);
      if (deadline) clearTimeout(deadline);
    },
  };
}

/**
 * The result of a run the cancellation interrupted. A run that still succeeded had
 * finished before the signal reached it and keeps `success`; anything else it ended
 * with (a non-zero exit because its container was removed, an engine error) is the
 * cancellation's doing, so it is `cancelled`, never `failure`: cancelling a job must
 * not look like a failing script or feed the failure alert.
 */
export function asCancelled(result: ExecutionResult, signalName: NodeJS.Signals): ExecutionResult {
  if (result.status === 'success' || result.status === 'cancelled') return result;
  const was = result.reason ? `; the run ended as ${result.status}: ${result.reason}` : '';
  return { ...result, status: 'cancelled', reason: `cancelled by ${signalName} while running${was}` };
}

/**
 * A runner that starts nothing once the gate is cancelled: a scanner asked to run then
 * gets an `error` result (the scan did not complete, so nothing is trusted to run).
 */
export function cancellableRunner(
  runner: (spec: HardenedRunSpec) => Promise<ExecutionResult>,
  signal: AbortSignal | undefined,
): (spec: HardenedRunSpec) => Promise<ExecutionResult> {
  return async (spec) => {
    const by = cancelledBy(signal);
    if (by) return notStartedResult(spec, `not started: the gate was cancelled by ${by}`);
    return runner(spec);
  };
}
