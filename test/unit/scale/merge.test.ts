import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAuditKeyPair, verifyAuditLog } from '../../../src/audit/index.js';
import { loadPrivateKey } from '../../../src/audit/keys.js';
import type { GateReport } from '../../../src/report/types.js';
import { verifyBoundShards } from '../../../src/scale/merge-audit.js';
import { runMerge } from '../../../src/scale/merge.js';
import { sha256Hex } from '../../../src/sha256.js';
import { buildSyntheticShards, type SyntheticShards } from '../../helpers/synthetic-shards.js';

/**
 * `airlock merge` over shard outputs written by the real writers (test/helpers/
 * synthetic-shards.ts): what it writes, and each refusal, named by its typed code.
 * test/integration/scale/sharded-gate.test.ts runs real shard gates on the engine.
 */
let root: string;
let good: SyntheticShards;
const keys = generateAuditKeyPair();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'airlock-merge-'));
  good = await buildSyntheticShards({ root: join(root, 'good'), scripts: 40, shards: 4 });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let run = 0;
function settings(dirs: string[], planFile = good.planFile, audit = false) {
  const out = join(root, `out-${run++}`);
  return {
    workspace: root,
    plan: planFile,
    dirs,
    outDir: out,
    reportFile: join(out, 'report.json'),
    sarifFile: join(out, 'airlock.sarif'),
    summaryFile: join(out, 'summary.md'),
    audit: audit
      ? {
          log: join(out, '..', `log-${run}.jsonl`),
          origin: 'localhost/test/airlock-audit',
          signingKey: loadPrivateKey(keys.privatePem),
        }
      : undefined,
    progress: () => {},
  };
}

async function refusal(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
  return { message: 'no refusal' };
}

/** A copy of the good shard outputs to tamper with. */
async function copyShards(name: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const [i, d] of good.dirs.entries()) {
    const to = join(root, name, `shard-${i}`);
    await cp(d, to, { recursive: true });
    dirs.push(to);
  }
  return dirs;
}

describe('airlock merge: a complete, untampered set', () => {
  it('writes one report, one SARIF and a summary, and records each shard in a log that verifies', async () => {
    const s = settings(good.dirs, good.planFile, true);
    const report = await runMerge(s);
    expect(report.scripts.map((x) => x.path)).toEqual(good.loaded.plan.scripts.map((x) => x.path));
    expect(report.counts).toMatchObject({ low: 36, high: 4, blocked: 0, executed: 40 });
    expect(report.verdict).toBe('fail');
    expect(report.verdictReasons).toEqual(
      ['s/00000/main.py', 's/00010/main.py', 's/00020/main.py', 's/00030/main.py'].map(
        (p) => `${p}: assessed high`,
      ),
    );
    expect(JSON.parse(await readFile(s.reportFile, 'utf8'))).toEqual(report);
    expect(await readFile(s.summaryFile!, 'utf8')).toContain('s/00010/main.py');

    const sarif = JSON.parse(await readFile(s.sarifFile, 'utf8')) as Log;
    expect(sarif.runs.map((r) => r.tool.driver.name)).toEqual(['Bandit', 'Semgrep', 'Airlock']);
    expect(new Set(sarif.runs.map((r) => r.automationDetails?.id))).toEqual(new Set(['airlock/']));
    const bandit = sarif.runs[0]!;
    expect(bandit.results?.map((r) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uri)).toEqual([
      's/00000/main.py',
      's/00010/main.py',
      's/00020/main.py',
      's/00030/main.py',
    ]);
    // Fingerprints are the shards' own, untouched; ruleIndex points into the merged rules.
    for (const r of bandit.results ?? []) {
      expect(r.partialFingerprints?.primaryLocationLineHash).toMatch(/^[0-9a-f]+:\d+$/);
      expect(bandit.tool.driver.rules?.[r.ruleIndex!]?.id).toBe(r.ruleId);
    }

    const v = await verifyAuditLog({ log: s.audit!.log, publicKeyPem: keys.publicPem, strict: true });
    expect(v.entries).toBe(5); // 4 shard entries and the merge entry
    const lines = (await readFile(s.audit!.log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.kind)).toEqual(['shard', 'shard', 'shard', 'shard', 'merge']);
    const m0 = JSON.parse(await readFile(join(good.dirs[0]!, 'shard.json'), 'utf8'));
    expect(lines[0].data).toMatchObject({
      plan: good.loaded.sha256,
      shard: 0,
      root: m0.audit.root,
      checkpoint: m0.audit.checkpoint,
    });
    // audit verify --shard-dir: each shard output is the one its signed entry binds.
    const proved = await verifyBoundShards(s.audit!.log, good.dirs, v.checkpointSize);
    expect(proved).toHaveLength(4);
  });

  it("the merged fingerprints equal the shards'", async () => {
    const s = settings(good.dirs);
    await runMerge(s);
    const merged = JSON.parse(await readFile(s.sarifFile, 'utf8')) as Log;
    const fp = (log: Log) =>
      log.runs.flatMap((r) =>
        (r.results ?? []).map(
          (x) =>
            `${x.ruleId}@${x.locations?.[0]?.physicalLocation?.artifactLocation?.uri}=${x.partialFingerprints?.primaryLocationLineHash}`,
        ),
      );
    const fromShards: string[] = [];
    for (const d of good.dirs)
      fromShards.push(...fp(JSON.parse(await readFile(join(d, 'airlock.sarif'), 'utf8'))));
    expect(fp(merged).sort()).toEqual(fromShards.sort());
  });
});

describe('airlock merge refuses, naming the shard', () => {
  it('a missing shard (SHARD_MISSING), and leaves no report behind', async () => {
    const s = settings(good.dirs.slice(0, 3));
    const r = await refusal(runMerge(s));
    expect(r.code).toBe('SHARD_MISSING');
    expect(r.message).toContain('shard 3');
    await expect(stat(s.reportFile)).rejects.toThrow();
  });

  it('a shard given twice (SHARD_DUPLICATE)', async () => {
    const dup = join(root, 'dup-shard-1');
    await cp(good.dirs[1]!, dup, { recursive: true });
    const r = await refusal(runMerge(settings([...good.dirs, dup])));
    expect(r.code).toBe('SHARD_DUPLICATE');
    expect(r.message).toContain('shard 1');
  });

  it('a report edited after the shard sealed it (SHARD_TAMPERED)', async () => {
    const dirs = await copyShards('tamper-report');
    const file = join(dirs[2]!, 'report.json');
    const report = JSON.parse(await readFile(file, 'utf8')) as GateReport;
    report.scripts[0]!.level = 'low';
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    const r = await refusal(runMerge(settings(dirs)));
    expect(r.code).toBe('SHARD_TAMPERED');
    expect(r.message).toContain('shard 2');
    expect(r.message).toContain('report.json');
  });

  it('a report edited and shard.json updated to match it (the signed segment still names the old bytes)', async () => {
    const dirs = await copyShards('tamper-both');
    const file = join(dirs[0]!, 'report.json');
    const report = JSON.parse(await readFile(file, 'utf8')) as GateReport;
    report.verdict = 'pass';
    report.verdictReasons = [];
    const text = `${JSON.stringify(report, null, 2)}\n`;
    await writeFile(file, text);
    const mf = join(dirs[0]!, 'shard.json');
    const m = JSON.parse(await readFile(mf, 'utf8'));
    m.report.sha256 = sha256Hex(text);
    await writeFile(mf, JSON.stringify(m));
    const r = await refusal(runMerge(settings(dirs)));
    expect(r.code).toBe('SHARD_TAMPERED');
    expect(r.message).toContain('shard 0');
  });

  it('an audit segment with an entry changed (SHARD_TAMPERED)', async () => {
    const dirs = await copyShards('tamper-segment');
    const file = join(dirs[1]!, 'shard-audit.jsonl');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('"decision":"executed"');
    await writeFile(file, text.replace('"decision":"executed"', '"decision":"blocked"'));
    const r = await refusal(runMerge(settings(dirs)));
    expect(r.code).toBe('SHARD_TAMPERED');
    expect(r.message).toContain('shard 1');
    expect(r.message).toContain('does not verify');
  });

  it("the SARIF swapped for another shard's (SHARD_TAMPERED)", async () => {
    const dirs = await copyShards('tamper-sarif');
    await cp(join(dirs[0]!, 'airlock.sarif'), join(dirs[3]!, 'airlock.sarif'));
    const r = await refusal(runMerge(settings(dirs)));
    expect(r.code).toBe('SHARD_TAMPERED');
    expect(r.message).toContain('shard 3');
  });

  it('a segment with a planted anchor or closed segment beside it (SHARD_TAMPERED)', async () => {
    const dirs = await copyShards('planted-anchor');
    await writeFile(join(dirs[0]!, 'shard-audit.jsonl.anchor.json'), '{}');
    const r = await refusal(runMerge(settings(dirs)));
    expect(r.code).toBe('SHARD_TAMPERED');
    expect(r.message).toContain('not a shard');
  });

  it('a shard of another plan (SHARD_MISMATCH)', async () => {
    const other = await buildSyntheticShards({ root: join(root, 'other'), scripts: 41, shards: 4 });
    const r = await refusal(runMerge(settings([...good.dirs.slice(0, 3), other.dirs[3]!])));
    expect(r.code).toBe('SHARD_MISMATCH');
    expect(r.message).toContain('another plan');
  });

  it('a shard that ran on another image (SHARD_MISMATCH)', async () => {
    const set = await buildSyntheticShards({
      root: join(root, 'image'),
      scripts: 20,
      shards: 2,
      tweak: (shard, report) => {
        if (shard === 1) report.image = { ref: 'airlock-sandbox:other', id: `sha256:${'ef'.repeat(32)}` };
      },
    });
    const r = await refusal(runMerge(settings(set.dirs, set.planFile)));
    expect(r.code).toBe('SHARD_MISMATCH');
    expect(r.message).toContain('shard 1');
    expect(r.message).toContain('image');
  });

  it('a shard under another policy (SHARD_MISMATCH)', async () => {
    const set = await buildSyntheticShards({
      root: join(root, 'policy'),
      scripts: 20,
      shards: 2,
      tweak: (shard, report) => {
        if (shard === 0) report.policy = { ...report.policy, sha256: 'ee'.repeat(32) };
      },
    });
    const r = await refusal(runMerge(settings(set.dirs, set.planFile)));
    expect(r.code).toBe('SHARD_MISMATCH');
    expect(r.message).toContain('shard 0');
    expect(r.message).toContain('policy');
  });

  it('a shard whose (signed) output lacks one of its planned scripts (SHARD_TAMPERED naming it)', async () => {
    let dropped = '';
    const set = await buildSyntheticShards({
      root: join(root, 'drop'),
      scripts: 20,
      shards: 2,
      tweak: (shard, report) => {
        if (shard === 1) dropped = report.scripts.pop()!.path;
      },
    });
    const r = await refusal(runMerge(settings(set.dirs, set.planFile)));
    expect(r.code).toBe('SHARD_TAMPERED');
    expect(r.message).toContain('shard 1');
    expect(r.message).toContain(dropped);
  });

  it('audit verify --shard-dir refuses an output no signed shard entry binds', async () => {
    const s = settings(good.dirs, good.planFile, true);
    await runMerge(s);
    const v = await verifyAuditLog({ log: s.audit!.log });
    const other = await buildSyntheticShards({ root: join(root, 'unbound'), scripts: 40, shards: 4 });
    const r = await refusal(verifyBoundShards(s.audit!.log, [other.dirs[0]!], v.checkpointSize));
    expect(r.code).toBe('SHARD_TAMPERED');
    expect(r.message).toContain('not the one any shard entry');
  });
});
