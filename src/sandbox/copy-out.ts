import type { Artifact } from '../report/types.js';
import { type ContainerEngine, isEngineFailure } from './container-engine.js';
import type { ContainerSpec } from './container-spec.js';
import type { ArchiveFrame } from './copy-out-frame.js';
import { copyOutExec, FROZEN_TAG } from './exec-config.js';
import { extractTar } from './tar-extract.js';
import type { HardenedRunSpec } from './types.js';

/**
 * Copying the output directory out of the container after the script: from the archive
 * the launcher streamed (runc), or through a `tar` exec of its own (runsc). Nothing that
 * outlives the script can add to or change the artifacts (issue 21, item 13): under runc
 * the launcher kills it before the archive is made; under runsc the copy stops it, and
 * when there was any, the output is refused.
 */

export interface CollectedOutput {
  artifacts: Artifact[];
  truncated: boolean;
  refused: string[];
}

export const extractLimits = (run: HardenedRunSpec) => ({
  maxFiles: run.limits.maxArtifacts,
  maxBytes: run.limits.outputMb * 1024 * 1024,
});

/** Largest tar the output directory can honestly make: its bytes, a header (+ pax header) per entry, the end blocks. */
export function archiveCap(run: HardenedRunSpec): number {
  const { maxFiles, maxBytes } = extractLimits(run);
  return maxBytes + (maxFiles + 16) * 2048 + 10_240;
}

/** The artifacts out of the archive the launcher streamed after the script (runc). */
export async function collectFromFrame(run: HardenedRunSpec, frame: ArchiveFrame): Promise<CollectedOutput> {
  if (!frame.ok)
    return { artifacts: [], truncated: frame.truncated, refused: [`(copy-out): ${frame.problem}`] };
  const ex = await extractTar(frame.archive, run.collectOutputTo!, extractLimits(run));
  if (frame.tarExitCode !== 0 && frame.archive.length === 0) {
    ex.refused.push(`(copy-out): tar failed (exit ${frame.tarExitCode})`);
  }
  return ex;
}

/** The count on the copy's first stderr line (`airlock-frozen N`, printed before tar runs); null when absent. */
export function frozenCount(stderr: string): number | null {
  const m = new RegExp(`^${FROZEN_TAG} (\\d{1,6})$`).exec(stderr.split('\n', 1)[0] ?? '');
  return m ? Number(m[1]) : null;
}

/**
 * The artifacts through a `tar` exec of their own, after the script (runsc). The exec
 * first stops what the script left running (copyOutExec); if it stopped anything, the
 * output is refused whole.
 */
export async function collectByTarExec(
  run: HardenedRunSpec,
  spec: ContainerSpec,
  engine: ContainerEngine,
): Promise<CollectedOutput> {
  let tar: Awaited<ReturnType<ContainerEngine['copyOut']>>;
  try {
    tar = await engine.copyOut(spec.name, copyOutExec(spec), archiveCap(run), 120_000);
  } catch (e) {
    if (!isEngineFailure(e)) throw e;
    return { artifacts: [], truncated: false, refused: [`(copy-out): ${e.kind}: ${e.message}`] };
  }
  const stopped = frozenCount(tar.stderr);
  if (stopped !== 0) {
    // Something outlived the script and may have written between its end and this copy:
    // its writes cannot be told from the script's, so none of the output is taken.
    const why =
      stopped === null
        ? 'the copy did not report which processes outlived the script'
        : `${stopped} process${stopped === 1 ? '' : 'es'} of the sandbox user outlived the script (stopped before the copy); under gVisor their writes cannot be told from the script's`;
    return { artifacts: [], truncated: false, refused: [`(copy-out): output refused: ${why}`] };
  }
  const ex = await extractTar(tar.data, run.collectOutputTo!, extractLimits(run));
  if (tar.exitCode !== 0 && !tar.truncated && tar.data.length === 0) {
    const last = tar.stderr.trim().split('\n').at(-1) ?? '';
    ex.refused.push(`(copy-out): tar failed (exit ${tar.exitCode})${last ? `: ${last}` : ''}`);
  }
  return { artifacts: ex.artifacts, truncated: ex.truncated || tar.truncated, refused: ex.refused };
}
