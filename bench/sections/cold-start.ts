import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeFailure, tryRunCommand } from '../../src/exec/run-command.js';
import { ratio, type Summary } from '../lib/stats.js';
import { repeat } from '../lib/timing.js';

export interface ColdStart {
  /** dist/action/index.js, the bundle the runner loads (action.yml's dist/index.js imports it). */
  actionBundleBytes: number;
  /** Everything the build writes (both bundles, licenses, package.json). */
  distBytes: number;
  /** `node -e 0`: Node's own start, the floor. */
  nodeBare: Summary;
  /**
   * `node dist/index.js` with no GitHub environment: parse + evaluate the bundle, then
   * fail at the first context check (exit 1, before any tool runs). Its excess over
   * `nodeBare` is the bundle's load cost.
   */
  actionLoadAndExit: Summary;
  loadCostMs: number;
  loadRatioToBareNode: number | null;
}

/**
 * The Action's cold start, on the committed bundle: `dist/` is what the runner loads, and
 * CI (scripts/test.sh) fails when it differs from a fresh build of the sources, so it is
 * the current code. Building a fresh bundle here took 1-6 minutes of the 15-minute
 * budget for no different figure.
 */
export async function benchColdStart(opts: { reps: number }): Promise<ColdStart> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-cold-'));
  try {
    const dist = resolve('dist');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8' };
    const nodeBare = await repeat(opts.reps, () => tryRunCommand(process.execPath, ['-e', '0'], { env }), 1);
    const action = await repeat(
      opts.reps,
      async () => {
        const r = await tryRunCommand(process.execPath, [join(dist, 'index.js')], {
          env,
          cwd: dir,
          timeoutMs: 60_000,
        });
        // Exit 1 with `::error::` is the expected refusal; anything else means it did not load.
        if (r.exitCode !== 1 || !r.stdout.includes('::error::'))
          throw new Error(`dist/index.js did not refuse cleanly: ${describeFailure(r)}`);
      },
      1,
    );
    return {
      actionBundleBytes: (await stat(join(dist, 'action', 'index.js'))).size,
      distBytes: await treeBytes(dist),
      nodeBare: nodeBare.summary,
      actionLoadAndExit: action.summary,
      loadCostMs: action.summary.median - nodeBare.summary.median,
      loadRatioToBareNode: ratio(action.summary.median, nodeBare.summary.median),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? await treeBytes(p) : (await stat(p)).size;
  }
  return total;
}
