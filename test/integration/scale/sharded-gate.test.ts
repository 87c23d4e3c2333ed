import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandResult, minimalEnv, tryRunCommand } from '../../../src/exec/run-command.js';
import type { GateReport } from '../../../src/report/types.js';

/**
 * Issue 19's done-means, on the real engine and the real sandbox image: `airlock plan`
 * splits SCRIPTS scripts into 4 shards, the 4 shard gates run as separate CLI processes
 * in parallel, `airlock merge` joins them, and the result is compared with one unsharded
 * gate of the same scripts: same levels, decisions, run statuses, SARIF result set and
 * verdict. The merged log verifies with every shard output proved against it; a shard
 * output tampered with, missing or duplicated is refused.
 *
 * 200 scripts, as the issue asks. On the shared 2-core machine, busy with other work,
 * the file took 4 min 56 s once and 3 min 45 s once (the 4 shards 144 s / 107 s, the one
 * gate 126 s / 98 s); in a clean-clone CI run at 100 scripts it took 61 s (shards 29 s,
 * one gate 25 s). `AIRLOCK_SHARD_IT_SCRIPTS=N` runs another size.
 */
const SCRIPTS = Number(process.env.AIRLOCK_SHARD_IT_SCRIPTS ?? 200);
const SHARDS = 4;
const TSX = pathToFileURL(resolve('node_modules/tsx/dist/esm/index.mjs')).href;
const CLI_SRC = resolve('src/cli/index.ts');

let root: string;
let ws: string;
const env = minimalEnv({ AIRLOCK_AUDIT_ORIGIN: 'localhost/sharded-it/airlock-audit' });

function airlock(args: string[], cwd = ws): Promise<CommandResult> {
  return tryRunCommand(process.execPath, ['--import', TSX, CLI_SRC, ...args], {
    cwd,
    env,
    timeoutMs: 600_000,
  });
}

/** Script i: mostly harmless prints; some with findings (high, blocked) and some that fail. */
function scriptText(i: number): string {
  if (i % 50 === 7) return 'import sys\nsys.exit(3)\n';
  if (i % 40 === 3) return `x = input()\nprint(eval(x))\n`;
  if (i % 10 === 5) return `import subprocess\nsubprocess.run(["true"], check=False)\nprint(${i})\n`;
  if (i % 10 === 1) return `assert ${i} > 0\nprint(${i})\n`;
  return `print(${i})\n`;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'airlock-shard-it-'));
  ws = join(root, 'ws');
  // Most scripts in a folder of their own (as generated analyses usually are), plus one
  // folder holding several, which the plan keeps in one shard.
  for (let i = 0; i < SCRIPTS; i++) {
    const dir = i < 8 ? join(ws, 'analyses', 'shared') : join(ws, 'analyses', String(i).padStart(4, '0'));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, i < 8 ? `s${i}.py` : 'main.py'), scriptText(i));
  }
  await mkdir(join(ws, 'keys'));
  const k = await airlock(['audit', 'keygen', '--out', 'keys']);
  expect(k.exitCode, k.stderr).toBe(0);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type ResultKey = string;
function sarifResults(log: Log): ResultKey[] {
  return log.runs
    .flatMap((r) =>
      (r.results ?? []).map(
        (x) =>
          `${r.tool.driver.name} ${x.ruleId} ${x.locations?.[0]?.physicalLocation?.artifactLocation?.uri}:${x.locations?.[0]?.physicalLocation?.region?.startLine} ${x.partialFingerprints?.primaryLocationLineHash}`,
      ),
    )
    .sort();
}

const outcome = (r: GateReport) =>
  r.scripts.map((s) => ({
    path: s.path,
    sha256: s.sha256,
    level: s.level,
    decision: s.decision,
    status: s.execution?.status ?? null,
  }));

describe(`airlock plan -> ${SHARDS} parallel shard gates -> airlock merge, against one gate (${SCRIPTS} scripts)`, () => {
  let merged: GateReport;
  let single: GateReport;
  const shardDirs = Array.from({ length: SHARDS }, (_, i) => `.airlock/shard-${i}`);

  it('the merged result equals the unsharded gate, and its log verifies with every shard proved', async () => {
    const plan = await airlock(['plan', '--shards', String(SHARDS), 'analyses']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toEqual({ shard: [0, 1, 2, 3] });

    const t0 = Date.now();
    const gates = await Promise.all(
      shardDirs.map((out, i) =>
        airlock(['gate', '--plan', '.airlock/plan.json', '--shard', String(i), '--out', out, '-q']),
      ),
    );
    const shardedMs = Date.now() - t0;
    for (const [i, g] of gates.entries()) {
      expect(g.exitCode, g.stderr.slice(-2000)).toBeLessThanOrEqual(1);
      // The one-off key is in the job's log (stderr, even with -q), as in shard.json.
      const manifest = JSON.parse(await readFile(join(ws, shardDirs[i]!, 'shard.json'), 'utf8'));
      expect(g.stderr).toContain(`airlock: shard ${i} segment signed by ${manifest.audit.verifierKey}`);
    }

    const m = await airlock([
      'merge',
      '--plan',
      '.airlock/plan.json',
      ...shardDirs,
      '--audit-log',
      'audit/log.jsonl',
      '--signing-key',
      'keys/private.pem',
    ]);
    expect(m.exitCode, m.stderr).toBe(1); // scripts are blocked and one fails: the gate says no
    merged = JSON.parse(await readFile(join(ws, '.airlock/merged/report.json'), 'utf8'));

    const t1 = Date.now();
    const one = await airlock(['gate', 'analyses', '--out', '.airlock/single', '-q']);
    const singleMs = Date.now() - t1;
    expect(one.exitCode, one.stderr.slice(-2000)).toBe(1);
    single = JSON.parse(await readFile(join(ws, '.airlock/single/report.json'), 'utf8'));
    process.stderr.write(
      `sharded-gate: ${SCRIPTS} scripts: 4 shards in parallel ${shardedMs} ms, one gate ${singleMs} ms\n`,
    );

    expect(merged.scripts).toHaveLength(SCRIPTS);
    expect(outcome(merged)).toEqual(outcome(single));
    // The mix is real: each level and a failed run are present.
    expect(merged.counts.blocked).toBeGreaterThan(0);
    expect(merged.counts.low).toBeGreaterThan(0);
    expect(merged.counts.failed).toBeGreaterThan(0);
    expect(merged.counts).toEqual(single.counts);
    expect(merged.verdict).toBe(single.verdict);
    expect(merged.verdictReasons).toEqual(single.verdictReasons);
    expect(merged.policy.sha256).toBe(single.policy.sha256);
    expect(merged.image).toEqual(single.image);

    const mergedSarif = JSON.parse(await readFile(join(ws, '.airlock/merged/airlock.sarif'), 'utf8')) as Log;
    const singleSarif = JSON.parse(await readFile(join(ws, '.airlock/single/airlock.sarif'), 'utf8')) as Log;
    expect(mergedSarif.runs.map((r) => r.tool.driver.name)).toEqual(
      singleSarif.runs.map((r) => r.tool.driver.name),
    );
    expect(new Set(mergedSarif.runs.map((r) => r.automationDetails?.id))).toEqual(new Set(['airlock/']));
    const results = sarifResults(mergedSarif);
    expect(results.length).toBeGreaterThan(0);
    expect(results).toEqual(sarifResults(singleSarif));

    const v = await airlock([
      'audit',
      'verify',
      'audit/log.jsonl',
      '--public-key',
      'keys/public.pem',
      '--strict',
      ...shardDirs.flatMap((d) => ['--shard-dir', d]),
    ]);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(
      v.stdout.match(/^shard \d: .* verifies under the key and checkpoint bound at entry \d+/gm),
    ).toHaveLength(SHARDS);
  }, 900_000); // two gates of 200 scripts, one of them sharded four ways

  it('refuses a tampered shard output, a missing one and a duplicated one, naming the shard', async () => {
    expect(merged, 'the first test ran').toBeDefined();
    const tampered = join(ws, '.airlock/tampered-2');
    await cp(join(ws, shardDirs[2]!), tampered, { recursive: true });
    const report = JSON.parse(await readFile(join(tampered, 'report.json'), 'utf8')) as GateReport;
    const blocked = report.scripts.find((s) => s.level !== 'low') ?? report.scripts[0]!;
    blocked.level = 'low';
    await writeFile(join(tampered, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    const base = ['merge', '--plan', '.airlock/plan.json', '--out', '.airlock/refused'];

    const t = await airlock([...base, ...shardDirs.slice(0, 2), '.airlock/tampered-2', shardDirs[3]!]);
    expect(t.exitCode).toBe(1);
    expect(t.stderr).toMatch(/SHARD_TAMPERED: shard output .*tampered-2: shard 2/);

    const missing = await airlock([...base, ...shardDirs.slice(0, 3)]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('SHARD_MISSING: no output for shard 3 of 4');

    const dup = await airlock([...base, ...shardDirs, shardDirs[1]!]);
    expect(dup.exitCode).toBe(1);
    expect(dup.stderr).toMatch(/SHARD_DUPLICATE: shard 1 is given twice/);
  });

  it('a shard gate refuses a script that changed since the plan, naming it (exit 2)', async () => {
    const planned = JSON.parse(await readFile(join(ws, '.airlock/plan.json'), 'utf8')) as {
      scripts: { path: string; shard: number }[];
    };
    const victim = planned.scripts.find((s) => s.shard === 1)!;
    await writeFile(join(ws, victim.path), 'print("changed")\n');
    const g = await airlock([
      'gate',
      '--plan',
      '.airlock/plan.json',
      '--shard',
      '1',
      '--out',
      '.airlock/shard-changed',
    ]);
    expect(g.exitCode).toBe(2);
    expect(g.stderr).toContain('PLAN_MISMATCH');
    expect(g.stderr).toContain(victim.path);
  });
});
