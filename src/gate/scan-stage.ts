import type { Policy } from '../policy/index.js';
import type { Finding, ScannerStatus } from '../report/types.js';
import type { SandboxConfig } from '../sandbox/types.js';
import { runBandit } from '../scan/bandit.js';
import { detectSemgrep, runSemgrep, semgrepGap } from '../scan/semgrep.js';
import type { HardenedRunner, RuleMeta } from '../scan/types.js';
import { profileFor } from '../policy/helpers.js';
import { DEFAULT_PROFILES } from '../policy/index.js';

/** What the scanners found, merged per script, plus what the verdict needs to know about them. */
export interface ScanStageResult {
  findingsByPath: Map<string, Finding[]>;
  scanners: ScannerStatus[];
  rules: RuleMeta[];
  /** A required scanner missing: fails the gate when failOn has scanner-gap. */
  gaps: string[];
  notices: string[];
}

/**
 * Runs every scanner the policy enables, each ONE batched run over all staged files
 * inside the sandbox image (scanners read hostile code too). Scanners use the
 * restricted profile's limits with the scanner's own timeout.
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
  const base = profileFor(policy, 'high')?.limits ?? DEFAULT_PROFILES.restricted!;
  // Scanning many files needs more room than one script; never less than the script profile.
  const limits = { ...base, memoryMb: Math.max(base.memoryMb, 1024), pids: Math.max(base.pids, 256) };
  const findingsByPath = new Map<string, Finding[]>();
  const scanners: ScannerStatus[] = [];
  const rules: RuleMeta[] = [];
  const gaps: string[] = [];
  const notices: string[] = [];
  const merge = (m: Map<string, Finding[]>) => {
    for (const [p, fs] of m) findingsByPath.set(p, [...(findingsByPath.get(p) ?? []), ...fs]);
  };

  const semgrep = policy.scanners.semgrep;
  // The Semgrep probe is a container of its own: start it now, beside Bandit, instead of
  // after it, so the scan stage pays one container start-up instead of two in a row.
  const semgrepProbe =
    semgrep.mode !== 'off' && opts.files.length
      ? detectSemgrep(opts.sandbox, limits, opts.runner)
      : undefined;
  // Awaited below; this only keeps a probe failing while Bandit throws from going unhandled.
  semgrepProbe?.catch(() => undefined);

  const bandit = policy.scanners.bandit;
  if (bandit.mode !== 'off' && opts.files.length) {
    opts.progress(`scan: bandit over ${opts.files.length} file(s)`);
    const out = await runBandit(
      {
        root: opts.stageRoot,
        files: opts.files,
        sandbox: opts.sandbox,
        limits: { ...limits, timeoutSeconds: bandit.timeoutSeconds },
        ignoreNosec: bandit.ignoreNosec,
        timeoutSeconds: bandit.timeoutSeconds,
      },
      opts.runner,
    );
    scanners.push(out.status);
    rules.push(...out.rules);
    merge(out.findingsByPath);
  }

  if (semgrepProbe) {
    const detected = await semgrepProbe;
    let status: ScannerStatus;
    if (!detected.available) {
      status = { tool: 'semgrep', status: 'unavailable', message: detected.message };
    } else {
      opts.progress(`scan: semgrep over ${opts.files.length} file(s)`);
      const out = await runSemgrep(
        {
          root: opts.stageRoot,
          files: opts.files,
          sandbox: opts.sandbox,
          limits: { ...limits, timeoutSeconds: semgrep.timeoutSeconds },
          rulesDir: semgrep.rulesDir,
          ignoreNosem: semgrep.ignoreNosec,
          timeoutSeconds: semgrep.timeoutSeconds,
        },
        opts.runner,
      );
      status = out.status;
      rules.push(...out.rules);
      merge(out.findingsByPath);
    }
    scanners.push(status);
    const gap = semgrepGap(semgrep.mode, status);
    if (gap.failsGate && status.status === 'unavailable') gaps.push(gap.notice ?? 'semgrep unavailable');
    else if (gap.notice) notices.push(`semgrep (${semgrep.mode}): ${gap.notice}`);
  }
  return { findingsByPath, scanners, rules, gaps, notices };
}
