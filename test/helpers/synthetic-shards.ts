import { generateKeyPairSync } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openAuditLog } from '../../src/audit/index.js';
import { countLevels } from '../../src/gate/verdict.js';
import { buildSarif, writeSarif } from '../../src/report/sarif.js';
import type { GateReport, ScannerStatus, ScriptReport } from '../../src/report/types.js';
import { writeJson } from '../../src/report/write-json.js';
import { buildPlan } from '../../src/scale/plan.js';
import { type LoadedPlan, readPlanFile, scriptsOfShard } from '../../src/scale/plan-file.js';
import { SHARD_SEGMENT, shardOrigin } from '../../src/scale/shard-manifest.js';
import { sealShardOutput } from '../../src/scale/shard-seal.js';
import { sha256Hex } from '../../src/sha256.js';

/**
 * Shard outputs as `airlock gate --plan F --shard I` leaves them, without running the
 * engine: a real plan (buildPlan), reports and SARIF from the real builders, a segment
 * written by the real audit writer with the gate's entry kinds, sealed by the same code
 * as a shard job (sealShardOutput). For the merge's unit tests and its benchmark; the
 * integration test (test/integration/scale) runs real shard gates.
 */
export const SYNTHETIC_POLICY_SHA = 'ab'.repeat(32);
const IMAGE = { ref: 'airlock-sandbox:local', id: `sha256:${'cd'.repeat(32)}` };
const SCANNERS: ScannerStatus[] = [
  { tool: 'bandit', status: 'ran', version: '1.9.4', durationMs: 10 },
  { tool: 'semgrep', status: 'ran', version: '1.187.0', durationMs: 20 },
];

export interface SyntheticShards {
  planFile: string;
  loaded: LoadedPlan;
  dirs: string[];
}

export async function buildSyntheticShards(opts: {
  root: string;
  scripts: number;
  shards: number;
  origin?: string;
  /** Every k-th script has a Bandit finding (level high), so the SARIF has results. */
  findingEvery?: number;
  /** Changes a shard's report before it is recorded and sealed (another image, a script dropped). */
  tweak?: (shard: number, report: GateReport) => void;
}): Promise<SyntheticShards> {
  const content = (i: number) => Buffer.from(`print(${i})\nassert ${i} > 0\n`);
  const inputs = Array.from({ length: opts.scripts }, (_, i) => {
    const c = content(i);
    return { path: `s/${String(i).padStart(5, '0')}/main.py`, sha256: sha256Hex(c), bytes: c.length, c };
  });
  const plan = buildPlan(inputs, {
    shards: opts.shards,
    policy: { name: 'default', sha256: SYNTHETIC_POLICY_SHA, path: 'default' },
    failOn: ['blocked', 'high', 'failure', 'ungated'],
    ungated: [],
    changedBetween: null,
  });
  await mkdir(opts.root, { recursive: true });
  const planFile = join(opts.root, 'plan.json');
  await writeJson(planFile, plan);
  const loaded = await readPlanFile(planFile);
  const every = opts.findingEvery ?? 10;
  const dirs: string[] = [];
  for (let shard = 0; shard < plan.shards; shard++) {
    const dir = join(opts.root, `shard-${shard}`);
    await mkdir(dir, { recursive: true });
    const mine = scriptsOfShard(plan, shard);
    const scripts: ScriptReport[] = mine.map((p) => {
      const i = Number(p.path.slice(2, 7));
      const flagged = i % every === 0;
      return {
        path: p.path,
        sha256: p.sha256,
        bytes: p.bytes,
        level: flagged ? 'high' : 'low',
        levelReasons: flagged ? ['bandit B101 (low/high) -> high'] : [],
        findings: flagged
          ? [
              {
                tool: 'bandit',
                ruleId: 'B101',
                severity: 'low',
                confidence: 'high',
                line: 2,
                message: 'Use of assert detected.',
                level: 'high',
              },
            ]
          : [],
        decision: 'executed',
        execution: {
          status: 'success',
          exitCode: 0,
          durationMs: 300,
          peakMemoryBytes: 1_000_000,
          stdout: `${i}\n`,
          stderr: '',
          stdoutTruncated: false,
          stderrTruncated: false,
          stdoutBytes: 2,
          stderrBytes: 0,
          stdoutSha256: sha256Hex(`${i}\n`),
          stderrSha256: sha256Hex(''),
          artifacts: [],
          artifactsTruncated: false,
          runtime: 'runc',
          profile: 'standard',
          containerName: `airlock-${i}`,
        },
      };
    });
    const reasons = scripts.filter((s) => s.level === 'high').map((s) => `${s.path}: assessed high`);
    const report: GateReport = {
      version: 1,
      tool: { name: 'airlock', version: '0.1.0' },
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      workspace: '/work',
      verdict: reasons.length ? 'fail' : 'pass',
      verdictReasons: reasons,
      counts: countLevels(scripts),
      policy: { path: 'default', name: 'default', sha256: SYNTHETIC_POLICY_SHA },
      image: IMAGE,
      scanners: SCANNERS,
      notices: [],
      scripts,
    };
    opts.tweak?.(shard, report);
    const sources = new Map(mine.map((p) => [p.path, content(Number(p.path.slice(2, 7))).toString()]));
    const sarif = buildSarif({ scripts: report.scripts, scanners: SCANNERS, category: 'airlock', sources });
    await writeSarif(sarif.log, join(dir, 'airlock.sarif'));
    await writeJson(join(dir, 'report.json'), report);

    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const origin = shardOrigin(opts.origin ?? 'localhost/synthetic/airlock-audit', loaded.sha256, shard);
    const tmp = join(opts.root, `.segment-${shard}`);
    await mkdir(tmp, { recursive: true });
    const segment = join(tmp, SHARD_SEGMENT);
    // The gate's entries (src/gate/audit-stage.ts), without syncing each to disk: a fixture.
    const w = await openAuditLog({ log: segment, origin, signingKey: privateKey, syncEachAppend: false });
    const recorded = report.scripts;
    await w.append('run.start', {
      policy: { sha256: report.policy.sha256 },
      image: report.image,
      scripts: recorded.length,
    });
    for (const s of recorded)
      await w.append('scan', { path: s.path, sha256: s.sha256, level: s.level, findings: [] });
    for (const s of recorded)
      await w.append('execution', { path: s.path, sha256: s.sha256, status: 'success' });
    for (const s of recorded)
      await w.append('decision', { path: s.path, sha256: s.sha256, level: s.level, decision: s.decision });
    await w.append('run.end', { verdict: report.verdict });
    await w.close();
    await sealShardOutput({
      outDir: dir,
      segment,
      origin,
      privateKey,
      publicKey,
      plan: { sha256: loaded.sha256, shards: plan.shards },
      shard,
      report,
      reportFile: join(dir, 'report.json'),
      sarifFile: join(dir, 'airlock.sarif'),
    });
    await rm(tmp, { recursive: true, force: true });
    dirs.push(dir);
  }
  return { planFile, loaded, dirs };
}
