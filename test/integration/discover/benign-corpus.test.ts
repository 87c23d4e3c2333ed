import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessScript } from '../../../src/assess/index.js';
import { discoverScripts } from '../../../src/discover/index.js';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { loadPolicy, type Policy } from '../../../src/policy/index.js';
import type { TrustLevel } from '../../../src/report/types.js';
import { banditArgv } from '../../../src/scan/bandit.js';
import { parseBanditJson } from '../../../src/scan/bandit-parse.js';

/**
 * The benign corpus (test/benign: plotting, pandas/polars summaries, networkx,
 * numpy, JSON output, reading CSVs beside the script) must come out `low` under the
 * shipped default policy when scanned by the real Bandit (Debian's 1.6.2 here), so
 * the gate does not get in the way of ordinary analysis code. A tainted copy shows
 * the same pipeline does raise the level: "all low" is not a constant.
 */

const BENIGN = resolve(import.meta.dirname, '../../benign');

async function levelsUnder(
  dir: string,
  policy: Policy,
): Promise<Map<string, { level: TrustLevel; reasons: string[] }>> {
  const { scripts } = await discoverScripts({
    workspace: dir,
    paths: ['.'],
    maxFiles: policy.limits.maxFiles,
    maxFileBytes: policy.limits.maxFileBytes,
  });
  // The scanner's own argv (explicit ./files after --, no project ini), on the host's Bandit.
  const [command, ...args] = banditArgv(
    scripts.map((s) => s.path),
    policy.scanners.bandit.ignoreNosec,
  );
  const run = await tryRunCommand(command!, args, { cwd: dir, timeoutMs: 120_000 });
  // Bandit exits 1 when it reports issues, 0 when none; anything else is a failure.
  expect([0, 1], run.stderr).toContain(run.exitCode);
  const parsed = parseBanditJson(run.stdout, dir);
  expect(parsed.errors).toEqual([]);
  const levels = new Map<string, { level: TrustLevel; reasons: string[] }>();
  for (const s of scripts) {
    // Every script was actually scanned: a "low" must not come from a file Bandit skipped.
    expect(parsed.reportedPaths.has(s.path), s.path).toBe(true);
    const a = assessScript(parsed.findingsByPath.get(s.path) ?? [], policy, s.path, new Date());
    levels.set(s.path, { level: a.level, reasons: a.levelReasons });
  }
  return levels;
}

let policy: Policy;
let tainted: string;

beforeAll(async () => {
  const version = await tryRunCommand('bandit', ['--version']);
  expect(version.exitCode, 'bandit must be installed (scripts/setup.sh)').toBe(0);
  policy = await loadPolicy();
  tainted = await mkdtemp(join(tmpdir(), 'airlock-benign-'));
});

afterAll(async () => {
  await rm(tainted, { recursive: true, force: true });
});

describe('benign corpus under policies/default.yml', () => {
  it('has at least 12 scripts, and every one is low', async () => {
    const levels = await levelsUnder(BENIGN, policy);
    expect(levels.size).toBeGreaterThanOrEqual(12);
    const notLow = [...levels].filter(([, v]) => v.level !== 'low');
    expect(notLow).toEqual([]);
  });

  it('the same pipeline raises the level when a benign script is tainted', async () => {
    for (const name of await readdir(BENIGN)) await copyFile(join(BENIGN, name), join(tainted, name));
    const sales = await readFile(join(BENIGN, 'sales_by_region.py'), 'utf8');
    await writeFile(join(tainted, 'sales_by_region.py'), `${sales}\nprint(eval(input("expr: ")))\n`);
    // Starting a program without a shell (graphviz) is legitimate sometimes: high, not blocked.
    const route = await readFile(join(BENIGN, 'route_planner.py'), 'utf8');
    await writeFile(
      join(tainted, 'route_planner.py'),
      `${route}\nimport subprocess\nsubprocess.run(["dot", "-Tpng", "graph.dot"], check=True)\n`,
    );
    const levels = await levelsUnder(tainted, policy);
    expect(levels.get('sales_by_region.py')?.level).toBe('blocked');
    expect(levels.get('sales_by_region.py')?.reasons.join(' ')).toContain('B307');
    expect(levels.get('route_planner.py')?.level).toBe('high');
    expect(
      [...levels]
        .filter(([, v]) => v.level !== 'low')
        .map(([p]) => p)
        .sort(),
    ).toEqual(['route_planner.py', 'sales_by_region.py']);
  });
});
