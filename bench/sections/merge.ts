import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAuditKeyPair } from '../../src/audit/index.js';
import { loadPrivateKey } from '../../src/audit/keys.js';
import { runMerge } from '../../src/scale/merge.js';
import { buildSyntheticShards } from '../../test/helpers/synthetic-shards.js';
import { type Summary, summarize } from '../lib/stats.js';

/**
 * What `airlock merge` costs per 1,000 scripts (issue 19): shard outputs as shard jobs
 * leave them (test/helpers/synthetic-shards.ts: real reports, SARIF, signed segments),
 * merged with the audit record; against a baseline measured in the same run: only reading
 * and parsing the same reports and SARIF files, which any merge must do. The difference is
 * what checking (each segment verified, every script against its signed entries and the
 * plan) and writing the merged files and audit entries add.
 */
export interface MergeBench {
  scripts: number;
  shards: number;
  reps: number;
  /** Read + JSON.parse of every shard's report.json and airlock.sarif. */
  read: Summary;
  /** runMerge: verify, check, write report/SARIF/summary, append and sign the audit record. */
  merge: Summary;
  /** merge median scaled to 1,000 scripts. */
  mergePer1000Ms: number;
}

export async function benchMerge(opts: {
  scripts: number;
  shards: number;
  reps: number;
}): Promise<MergeBench> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-bench-merge-'));
  try {
    const set = await buildSyntheticShards({
      root: join(root, 'shards'),
      scripts: opts.scripts,
      shards: opts.shards,
    });
    const key = loadPrivateKey(generateAuditKeyPair().privatePem);
    const read: number[] = [];
    const merge: number[] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      let t = performance.now();
      let parsed = 0;
      for (const d of set.dirs) {
        for (const f of ['report.json', 'airlock.sarif'])
          parsed += JSON.parse(await readFile(join(d, f), 'utf8')) ? 1 : 0;
      }
      read.push(performance.now() - t);
      if (parsed !== set.dirs.length * 2) throw new Error('bench merge: a shard file did not parse');
      const out = join(root, `merged-${rep}`);
      t = performance.now();
      const report = await runMerge({
        workspace: root,
        plan: set.planFile,
        dirs: set.dirs,
        outDir: out,
        reportFile: join(out, 'report.json'),
        sarifFile: join(out, 'airlock.sarif'),
        summaryFile: join(out, 'summary.md'),
        audit: {
          log: join(root, `log-${rep}.jsonl`),
          origin: 'localhost/bench/airlock-audit',
          signingKey: key,
        },
        progress: () => {},
      });
      merge.push(performance.now() - t);
      // The work really happened: every script is in the merged report.
      if (report.scripts.length !== opts.scripts)
        throw new Error(`bench merge: ${report.scripts.length} scripts merged`);
    }
    const m = summarize(merge);
    return {
      scripts: opts.scripts,
      shards: set.loaded.plan.shards,
      reps: opts.reps,
      read: summarize(read),
      merge: m,
      mergePer1000Ms: (m.median * 1000) / opts.scripts,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
