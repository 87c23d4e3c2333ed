import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAuditKeyPair, loadPrivateKey } from '../../src/audit/keys.js';
import { runGate, type StageTimings } from '../../src/gate/pipeline.js';
import type { GateReport } from '../../src/report/types.js';
import type { ExecuteScripts, GateSettings } from '../../src/settings/gate-settings.js';
import { writeCorpus } from '../lib/corpus.js';
import { ratio } from '../lib/stats.js';
import { timeOnce } from '../lib/timing.js';

/** The verdict cache (docs/cache.md): a re-gate of N unchanged scripts against the cold gate of the same scripts. */
export interface CacheBench {
  n: number;
  /** The first gate: empty log, every script scanned and run. */
  coldMs: number;
  coldStages: StageTimings;
  /** The re-gate with `execute.scripts: changed` (a pull request's default): nothing scanned, nothing run. */
  cachedMs: number;
  cachedStages: StageTimings;
  /** cachedMs / coldMs: the goal is < 0.05. */
  ratio: number | null;
  /** Scan stage alone, cached / cold (the probes still run). */
  scanRatio: number | null;
  /** What the re-gate reused and ran: all N reused, none run, or the figure is not the cache's. */
  reused: number;
  executedCached: number;
}

/**
 * Gates N generated scripts twice on one signed audit log: cold, then unchanged with
 * execute `changed`. Checks the second run really reused every scan and ran nothing.
 */
export async function benchCache(opts: {
  n: number;
  image: string;
  progress: (line: string) => void;
}): Promise<CacheBench> {
  const ws = await mkdtemp(join(tmpdir(), `airlock-bench-cache-${opts.n}-`));
  try {
    await chmod(ws, 0o755);
    await writeCorpus(ws, opts.n);
    const keys = generateAuditKeyPair();
    const policy = join(ws, 'bench-policy.yml');
    await writeFile(
      policy,
      `version: 1\nname: bench\nextends: default\nlimits:\n  maxFiles: ${Math.max(opts.n, 500)}\n`,
    );
    const gate = async (name: string, execute: ExecuteScripts) => {
      const runDir = join(ws, '.airlock', name);
      const settings: GateSettings = {
        workspace: ws,
        paths: ['scripts'],
        policy,
        mode: 'gate',
        imageRef: opts.image,
        outDir: join(runDir, 'out'),
        reportFile: join(runDir, 'report.json'),
        sarifFile: join(runDir, 'airlock.sarif'),
        sarifCategory: 'airlock',
        audit: {
          log: join(ws, '.airlock', 'audit', 'audit.jsonl'),
          origin: 'bench.local/airlock-audit',
          signingKey: loadPrivateKey(keys.privatePem),
        },
        executeScripts: execute,
        run: { event: 'bench' },
      };
      const t = await timeOnce(() => runGate(settings, { progress: () => undefined, env: {} }));
      const { report, timings } = t.value as { report: GateReport; timings: StageTimings };
      if (report.scripts.length !== opts.n)
        throw new Error(`cache: gate saw ${report.scripts.length} of ${opts.n}`);
      return { ms: t.ms, report, timings };
    };
    const cold = await gate('cold', 'all');
    const ranCold = cold.report.scripts.filter((s) => s.execution?.status === 'success').length;
    if (ranCold !== opts.n) throw new Error(`cache: the cold gate ran ${ranCold} of ${opts.n} scripts`);
    opts.progress(`cache N=${opts.n}: cold ${Math.round(cold.ms)} ms`);
    const cached = await gate('cached', 'changed');
    const reused = cached.report.scripts.filter((s) => s.reusedScan).length;
    const executedCached = cached.report.scripts.filter((s) => s.decision === 'executed').length;
    if (reused !== opts.n || executedCached !== 0) {
      throw new Error(
        `cache: the re-gate reused ${reused} of ${opts.n} scans and ran ${executedCached} scripts`,
      );
    }
    opts.progress(`cache N=${opts.n}: cached ${Math.round(cached.ms)} ms`);
    return {
      n: opts.n,
      coldMs: cold.ms,
      coldStages: cold.timings,
      cachedMs: cached.ms,
      cachedStages: cached.timings,
      ratio: ratio(cached.ms, cold.ms),
      scanRatio: ratio(cached.timings.scanMs, cold.timings.scanMs),
      reused,
      executedCached,
    };
  } finally {
    await rm(ws, { recursive: true, force: true });
  }
}
