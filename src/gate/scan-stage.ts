import type { Policy } from '../policy/index.js';
import { profileFor } from '../policy/helpers.js';
import { DEFAULT_PROFILES } from '../policy/index.js';
import type { Finding, ScannerStatus } from '../report/types.js';
import type { SandboxConfig } from '../sandbox/types.js';
import { SCANNERS } from '../scan/registry.js';
import { detectScanner, runScanner } from '../scan/run-scanner.js';
import { type Scanner, type ScannerSettingsBase, scannerGap } from '../scan/scanner.js';
import { scannerLimits } from '../scan/scanner-run.js';
import type { HardenedRunner, RuleMeta } from '../scan/types.js';

/** What the scanners found, merged per script, plus what the verdict needs to know about them. */
export interface ScanStageResult {
  findingsByPath: Map<string, Finding[]>;
  scanners: ScannerStatus[];
  rules: RuleMeta[];
  /** A required scanner missing: fails the gate when failOn has scanner-gap. */
  gaps: string[];
  /** Includes an optional scanner that is absent (summary and CLI also warn from `scanners`). */
  notices: string[];
}

/**
 * Runs every registered scanner the policy enables (src/scan/registry.ts, in order),
 * each ONE batched run over all staged files inside the sandbox image (scanners read
 * hostile code too), under the restricted profile's limits raised to the scanners'
 * floor, with the scanner's own timeout.
 */
export async function scanStage(opts: {
  policy: Policy;
  stageRoot: string;
  files: string[];
  sandbox: SandboxConfig;
  runner: HardenedRunner;
  progress: (line: string) => void;
}): Promise<ScanStageResult> {
  const { policy } = opts;
  const limits = scannerLimits(profileFor(policy, 'high')?.limits ?? DEFAULT_PROFILES.restricted!);
  const result: ScanStageResult = {
    findingsByPath: new Map(),
    scanners: [],
    rules: [],
    gaps: [],
    notices: [],
  };
  if (!opts.files.length) return result;
  const enabled = SCANNERS.map((s) => ({
    scanner: s as Scanner,
    settings: policy.scanners[s.name] as ScannerSettingsBase,
  })).filter((e) => e.settings.mode !== 'off');

  // Every probe (`<tool> --version`) is a container of its own: all start now, so a
  // later scanner's probe runs beside the earlier scanners' scans instead of after them.
  const probes = enabled.map((e) => {
    const p = detectScanner(
      e.scanner,
      opts.sandbox,
      { ...limits, timeoutSeconds: e.settings.timeoutSeconds },
      opts.runner,
    );
    // Awaited below; this only keeps a probe failing while an earlier scan throws from going unhandled.
    p.catch(() => undefined);
    return p;
  });

  for (const [i, { scanner, settings }] of enabled.entries()) {
    const detected = await probes[i]!;
    let status: ScannerStatus;
    if (!detected.available) {
      status = { tool: scanner.name as ScannerStatus['tool'], status: 'unavailable' };
      if (detected.message) status.message = detected.message;
    } else {
      opts.progress(`scan: ${scanner.name} over ${opts.files.length} file(s)`);
      const out = await runScanner(
        scanner,
        settings,
        { root: opts.stageRoot, files: opts.files, sandbox: opts.sandbox, limits },
        opts.runner,
        probes[i],
      );
      status = out.status;
      result.rules.push(...out.rules);
      for (const [p, fs] of out.findingsByPath)
        result.findingsByPath.set(p, [...(result.findingsByPath.get(p) ?? []), ...fs]);
    }
    result.scanners.push(status);
    const gap = scannerGap(scanner.title, settings.mode, status);
    if (gap.failsGate && status.status === 'unavailable')
      result.gaps.push(gap.notice ?? `${scanner.name} unavailable`);
    else if (gap.notice) result.notices.push(`${scanner.name} (${settings.mode}): ${gap.notice}`);
  }
  return result;
}
