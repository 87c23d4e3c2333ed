import { describe, expect, it } from 'vitest';
import { type BenchResult, renderMarkdown } from '../../../bench/lib/report.js';
import { evaluateGoals } from '../../../bench/lib/goals.js';
import type { ScanBench, ScannerScanWay } from '../../../bench/sections/scan.js';

const summary = (median: number) => ({ median, min: median, max: median, n: 3 });
const way = (
  tool: string,
  title: string,
  version: string,
  batched: number,
  perFile: number,
): ScannerScanWay => ({
  tool,
  title,
  version,
  batched: summary(batched),
  perFileMs: perFile,
  perFileSample: 16,
  speedup: perFile / batched,
});

const scan: ScanBench = {
  files: 1000,
  inSandbox: [
    way('bandit', 'Bandit', '1.9.4', 5_000, 600_000),
    way('semgrep', 'Semgrep', '1.187.0', 40_000, 2_000_000),
  ],
  allScanners: { batchedMs: 45_000, perFileMs: 2_600_000, speedup: 2_600_000 / 45_000 },
  banditOnHost: { batched: summary(3_000), perFileMs: 400_000, perFileSample: 8, speedup: 133 },
  flakes: [],
};

function result(): BenchResult {
  return {
    startedAt: '2026-12-06T12:00:00Z',
    finishedAt: '2026-12-06T12:10:00Z',
    durationSeconds: 600,
    command: 'npm run bench',
    quick: false,
    machine: { cpus: 2, memGiB: 24, node: '20', docker: '20.10', commit: 'abc', loadStart: 0, loadEnd: 0 },
    image: { ref: 'airlock-sandbox:local', id: `sha256:${'1'.repeat(64)}` },
    gate: [],
    scan,
    sandbox: [],
    audit: [],
    goals: evaluateGoals({ scanSpeedup1000: scan.allScanners.speedup }),
    errors: [],
  };
}

describe('bench report: scanning covers every scanner', () => {
  it('has a row per scanner with its version, and one for all of them together', () => {
    const md = renderMarkdown(result());
    expect(md).toMatch(/\| Bandit 1\.9\.4 in the sandbox \(as Airlock runs it\) \| 5000 ms/);
    expect(md).toMatch(/\| Semgrep 1\.187\.0 in the sandbox \(as Airlock runs it\) \| 40\.0 s/);
    expect(md).toMatch(
      /\| \*\*all scanners\*\* \(Bandit \+ Semgrep, as the scan stage runs them\) \| 45\.0 s/,
    );
  });

  it('the batched-scanning goal is judged on both scanners together', () => {
    const goal = result().goals.find((g) => g.name.startsWith('batched scanning'));
    expect(goal?.measured).toBe('57.8x');
  });
});
