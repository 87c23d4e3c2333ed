import { assessScript } from '../assess/index.js';
import type { VerdictCacheRun } from '../cache/cache-run.js';
import { notebookFindings, type stagedNames } from '../discover/index.js';
import type { FailOnOutcome, Policy } from '../policy/index.js';
import type { ModuleReport, ScriptReport, TrustLevel } from '../report/types.js';
import type { ScanStageResult } from './scan-stage.js';
import type { StagedModule } from './stage.js';
import { assessStagedModules, leaveOutStricter } from './staged-modules.js';

/**
 * Each script's and staged module's level from the scanners' findings and the policy
 * (a notebook's findings placed back on its cells), the verdict cache's reuse marked,
 * and per level the staged sources rated stricter, which that level's sandbox leaves
 * out. Fails closed: when a scanner did not complete, or a required one is missing and
 * that fails the gate, every script is blocked.
 */
export function assessStage(opts: {
  scripts: ScriptReport[];
  modules: StagedModule[];
  scan: ScanStageResult;
  policy: Policy;
  failOn: readonly FailOnOutcome[];
  now: Date;
  names: ReturnType<typeof stagedNames>;
  cache?: VerdictCacheRun;
  notices: string[];
}): { modules: ModuleReport[]; hiddenByLevel: Partial<Record<TrustLevel, string[]>> } {
  const { scan, names, cache, notices } = opts;
  // A required scanner that is missing (a gap that fails the gate) leaves the scan as
  // incomplete as one that failed: nothing runs that a required scanner has not read.
  const scanFailed =
    scan.scanners.some((s) => s.status === 'failed') ||
    (opts.failOn.includes('scanner-gap') && scan.gaps.length > 0);
  for (const s of opts.scripts) {
    const scanned = scan.findingsByPath.get(names.stagedOf(s.path)) ?? [];
    const nb = names.notebookOf(s.path);
    const a = assessScript(nb ? notebookFindings(nb, scanned) : scanned, opts.policy, s.path, opts.now);
    s.level = a.level;
    s.levelReasons = a.levelReasons;
    s.findings = a.findings;
    const reused = cache?.reusedEntry(names.stagedOf(s.path));
    if (reused) s.reusedScan = reused;
    notices.push(...a.notices);
    if (scanFailed) {
      s.level = 'blocked';
      s.levelReasons.push('a scanner failed or a required one is missing: nothing runs unassessed');
    }
  }
  const staged = assessStagedModules({
    modules: opts.modules,
    findingsByPath: scan.findingsByPath,
    policy: opts.policy,
    now: opts.now,
    scanFailed,
  });
  notices.push(...staged.notices);
  for (const m of staged.modules) {
    const reused = cache?.reusedEntry(m.path);
    if (reused) m.reusedScan = reused;
  }
  const hiddenByLevel = Object.fromEntries(
    Object.entries(leaveOutStricter(opts.scripts, staged.modules)).map(([level, paths]) => [
      level,
      paths.map(names.stagedOf),
    ]),
  );
  return { modules: staged.modules, hiddenByLevel };
}
