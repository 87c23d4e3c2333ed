import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateReport, TrustLevel } from '../../../src/report/types.js';
import { SCAN_ERROR_RULE } from '../../../src/scan/scan-error.js';
import { expectBothScannersRan, shippedScan } from '../../helpers/shipped-scan.js';

/**
 * The benign corpus (test/benign: realistic generated analysis scripts with their input
 * files) through `airlock scan` as a user runs it: the shipped image's Bandit and Semgrep
 * with our rules, the shipped default policy. No false blocks: zero `blocked`, at most
 * 5 % `high`, and every script scanned by both scanners. A tainted copy through the same
 * path shows the levels are not constant.
 */
const BENIGN = resolve(import.meta.dirname, '../../benign');
const MAX_HIGH_SHARE = 0.05;

function levelCounts(report: GateReport): Record<TrustLevel, number> {
  const counts: Record<TrustLevel, number> = { low: 0, high: 0, blocked: 0 };
  for (const s of report.scripts) counts[s.level] += 1;
  return counts;
}

let pyFiles: string[];
let report: GateReport;
let tainted: string;

beforeAll(async () => {
  pyFiles = (await readdir(BENIGN)).filter((f) => f.endsWith('.py')).sort();
  report = await shippedScan(BENIGN, 'benign');
  tainted = await mkdtemp(join(tmpdir(), 'airlock-benign-'));
}, 600_000);

afterAll(async () => {
  await rm(tainted, { recursive: true, force: true });
});

describe('benign corpus through airlock scan (shipped image, default policy)', () => {
  it('has at least 60 scripts, every one scanned by both scanners', () => {
    expect(pyFiles.length).toBeGreaterThanOrEqual(60);
    expect(report.scripts.map((s) => s.path).sort()).toEqual(pyFiles);
    expectBothScannersRan(report);
    // A file a scanner did not parse or did not report is an airlock.scan-error finding.
    const unscanned = report.scripts.filter((s) => s.findings.some((f) => f.ruleId === SCAN_ERROR_RULE));
    expect(unscanned.map((s) => s.path)).toEqual([]);
  });

  it('blocks none and runs at most 5 % restricted (high)', () => {
    const counts = levelCounts(report);
    // Printed for docs/detection.md.
    console.info(`benign corpus levels (${report.scripts.length} scripts): ${JSON.stringify(counts)}`);
    const notLow = report.scripts
      .filter((s) => s.level !== 'low')
      .map((s) => `${s.path}: ${s.level} (${s.levelReasons.join('; ')})`);
    expect(counts.blocked, notLow.join('\n')).toBe(0);
    expect(counts.high, notLow.join('\n')).toBeLessThanOrEqual(
      Math.floor(report.scripts.length * MAX_HIGH_SHARE),
    );
  });

  it('the same path raises the level when benign scripts are tainted', async () => {
    await cp(BENIGN, tainted, { recursive: true });
    const sales = await readFile(join(BENIGN, 'sales_by_region.py'), 'utf8');
    await writeFile(join(tainted, 'sales_by_region.py'), `${sales}\nprint(eval(input("expr: ")))\n`);
    // Rendering with graphviz's dot through subprocess: a process spawn, blocked.
    const route = await readFile(join(BENIGN, 'route_planner.py'), 'utf8');
    await writeFile(
      join(tainted, 'route_planner.py'),
      `${route}\nimport subprocess\nsubprocess.run(["dot", "-Tpng", "graph.dot"], check=True)\n`,
    );
    // Fetching the data from a URL: legitimate-but-rare network access, high.
    const temps = await readFile(join(BENIGN, 'temperature_trend.py'), 'utf8');
    await writeFile(
      join(tainted, 'temperature_trend.py'),
      `${temps}\nextra = pd.read_csv("https://example.org/temperatures.csv")\n`,
    );
    const out = await shippedScan(tainted, 'benign-tainted');
    const level = (p: string) => out.scripts.find((s) => s.path === p);
    expect(level('sales_by_region.py')?.level).toBe('blocked');
    expect(level('sales_by_region.py')?.levelReasons.join(' ')).toMatch(/B307/);
    expect(level('sales_by_region.py')?.levelReasons.join(' ')).toMatch(/airlock\.exec-eval-compile/);
    expect(level('route_planner.py')?.level).toBe('blocked');
    expect(level('route_planner.py')?.levelReasons.join(' ')).toMatch(/airlock\.process-spawn/);
    expect(level('temperature_trend.py')?.level).toBe('high');
    expect(level('temperature_trend.py')?.levelReasons.join(' ')).toMatch(/airlock\.network-access/);
    // Everything else is as in the untainted scan.
    const changed = out.scripts
      .filter((s) => s.level !== report.scripts.find((r) => r.path === s.path)?.level)
      .map((s) => s.path)
      .sort();
    expect(changed).toEqual(['route_planner.py', 'sales_by_region.py', 'temperature_trend.py']);
  }, 600_000);
});
