import type { ExecutionResult } from '../report/types.js';
import { awaitRemovals } from './containers.js';
import type { ContainerEngine } from './container-engine.js';
import { defaultEngine } from './docker-engine.js';
import { poolWidth } from './pool.js';
import { type Sandbox, startSandbox } from './run-hardened.js';
import type { HardenedRunSpec } from './types.js';

export interface BatchOptions<T> {
  /** Scripts executing at once; 0 = the CPUs Node may use. */
  parallelism: number;
  /** The spec of an item; called just before its container is started. */
  specOf: (item: T, index: number) => Promise<HardenedRunSpec>;
  /** Called as each run ends (in completion order), before its slot takes the next item. */
  onResult: (item: T, index: number, result: ExecutionResult) => Promise<void>;
  /**
   * Longest an item's container may wait, idle, for a slot: the longest timeout of any
   * item plus copy-out. Bounds the keeper's lifetime of a container started ahead.
   */
  idleSeconds: number;
  /**
   * Cancellation: once aborted no further item is started (those in flight are removed,
   * which ends their scripts; their results still go to `onResult`) and the containers
   * started ahead are discarded. Items never started get no `onResult`.
   */
  signal?: AbortSignal;
  /** The engine the containers run on (the local Docker engine by default). */
  engine?: ContainerEngine;
}

/**
 * Runs many hardened specs, at most `parallelism` scripts at once, each in a fresh
 * container of its own, and hides the engine's fixed cost behind the scripts' own time:
 *
 * - while item i runs, the container for item i + parallelism is already being created
 *   (`docker run -d` is the largest part of a container's lifecycle), so a slot that
 *   frees finds its next container ready; at most `parallelism` wait ahead;
 * - a finished container is removed in the background, not on the slot's time.
 *
 * Resolves once every container it started is gone (or, if the engine refused, still
 * tracked for the exit hook, as with runHardened). A rejection (of `specOf`,
 * `onResult`, or an invalid spec) stops new work, removes the containers started ahead
 * and is rethrown after the runs in flight have settled.
 */
export async function runBatch<T>(items: readonly T[], opts: BatchOptions<T>): Promise<void> {
  const width = poolWidth(opts.parallelism, items.length);
  if (items.length === 0) return;
  const engine = opts.engine ?? defaultEngine();
  const ahead = new Map<number, Promise<Sandbox>>();
  let failure: { error: unknown } | undefined;
  const stopped = () => failure !== undefined || opts.signal?.aborted === true;
  // In flight: removing the container is what ends its `docker exec` at once.
  const running = new Set<string>();
  const onAbort = () => {
    for (const name of running) void engine.remove(name);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const prepare = (i: number) => {
    if (i >= items.length || ahead.has(i) || stopped()) return;
    const started = opts
      .specOf(items[i] as T, i)
      .then((spec) => startSandbox(spec, opts.idleSeconds, engine));
    started.catch(() => undefined); // awaited (and its rejection handled) by the slot that takes i
    ahead.set(i, started);
  };
  let next = 0;
  async function slot(): Promise<void> {
    while (!stopped() && next < items.length) {
      const i = next++;
      prepare(i);
      prepare(i + width);
      const started = ahead.get(i) as Promise<Sandbox>;
      ahead.delete(i);
      try {
        const sandbox = await started;
        if (opts.signal?.aborted) {
          // Cancelled while its container was being created: the script never starts.
          await sandbox.discard();
          break;
        }
        running.add(sandbox.name);
        let result: ExecutionResult;
        try {
          result = await sandbox.run('background');
        } finally {
          running.delete(sandbox.name);
        }
        await opts.onResult(items[i] as T, i, result);
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: width }, () => slot()));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    // Containers started ahead for items no slot took (after a failure): remove them.
    for (const started of ahead.values()) {
      const sandbox = await started.catch(() => null);
      await sandbox?.discard();
    }
    ahead.clear();
    // One the engine would not remove stays tracked: the exit hook tries again.
    await awaitRemovals();
  }
  if (failure) throw failure.error;
}
