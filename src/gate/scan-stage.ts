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
import type { ScanReuse } from '../cache/cache-run.js';

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
  /** The verdict cache (src/cache/): files whose earlier result stands are not scanned again. */
  reuse?: ScanReuse;
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
  if (allReused(opts.reuse, enabled, opts.files, result, opts.progress)) return result;

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

  const files = await withoutReused(opts.reuse, enabled, probes, opts.files, result, opts.progress);
  for (const [i, { scanner, settings }] of enabled.entries()) {
    const detected = await probes[i]!;
    let status: ScannerStatus;
    if (!detected.available) {
      status = { tool: scanner.name as ScannerStatus['tool'], status: 'unavailable' };
      if (detected.message) status.message = detected.message;
    } else if (!files.length && detected.version) {
      // Every file's result was reused: the probe proved this very version is there.
      status = { tool: scanner.name as ScannerStatus['tool'], status: 'ran', version: detected.version };
    } else {
      opts.progress(`scan: ${scanner.name} over ${files.length} file(s)`);
      const out = await runScanner(
        scanner,
        settings,
        { root: opts.stageRoot, files, sandbox: opts.sandbox, limits },
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

/**
 * Asks the verdict cache, once every probe has answered (the scanner versions are part
 * of the key), which files need no scan; their reused findings and rule descriptions go
 * into `result`. Without a cache, or with a scanner that is absent or printed no
 * version, every file is scanned.
 */
async function withoutReused(
  reuse: ScanReuse | undefined,
  enabled: { scanner: Scanner }[],
  probes: Promise<{ available: boolean; version?: string }>[],
  files: string[],
  result: ScanStageResult,
  progress: (line: string) => void,
): Promise<string[]> {
  if (!reuse || !enabled.length) return files;
  const detected = await Promise.all(probes);
  if (detected.some((d) => !d.available || !d.version)) return files;
  const versions = enabled.map((e, i) => ({ tool: e.scanner.name, version: detected[i]!.version! }));
  const reused = reuse.lookup(versions);
  for (const [p, r] of reused) {
    result.findingsByPath.set(p, r.findings);
    result.rules.push(...r.rules);
  }
  if (reused.size)
    progress(`scan: ${reused.size} of ${files.length} file(s) unchanged, results reused (verdict cache)`);
  return files.filter((f) => !reused.has(f));
}

/**
 * Every file reused under the scanner versions the signed log recorded for this image
 * (src/cache/cache-run.ts knownVersions): nothing to scan, and no probe to start. The
 * scanners are reported as having run, with those versions: their results are here.
 */
function allReused(
  reuse: ScanReuse | undefined,
  enabled: { scanner: Scanner }[],
  files: string[],
  result: ScanStageResult,
  progress: (line: string) => void,
): boolean {
  const versions = reuse?.knownVersions(enabled.map((e) => e.scanner.name));
  if (!reuse || !versions || !enabled.length) return false;
  const reused = reuse.lookup(versions);
  if (reused.size !== files.length) return false;
  for (const [p, r] of reused) {
    result.findingsByPath.set(p, r.findings);
    result.rules.push(...r.rules);
  }
  for (const v of versions)
    result.scanners.push({ tool: v.tool as ScannerStatus['tool'], status: 'ran', version: v.version });
  progress(`scan: all ${files.length} file(s) unchanged, results reused (verdict cache)`);
  return true;
}
