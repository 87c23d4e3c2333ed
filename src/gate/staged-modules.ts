import { assessScript } from '../assess/index.js';
import type { Policy } from '../policy/index.js';
import type { Finding, ModuleReport, ScriptReport, TrustLevel } from '../report/types.js';
import type { StagedModule } from './stage.js';

/**
 * A script's sandbox holds no Python rated stricter than the script itself.
 *
 * A script runs with its own directory (and every subfolder) as `/work`, and Python puts
 * that directory first on `sys.path`: any `.py` staged there, gated or not, can be
 * imported and run. So each such source is scanned and assessed like a script, and the
 * folder a script of level L sees leaves out every source rated stricter than L: a low
 * script cannot import `high` or `blocked` code, a high script cannot import `blocked`
 * code, so nothing runs under a looser profile than its own rating. Scripts that could
 * have seen a left-out file name it in their levelReasons.
 *
 * The other choice, raising each script to the strictest level in its folder, would
 * make one `high` script restrict, or one `blocked` script stop, a whole folder of
 * independent generated scripts; a helper module that really needs a stricter level
 * can be allowlisted by path in the policy.
 */

/** How many contributing files a script's levelReasons name before "and N more". */
const MAX_NAMED = 5;

/** Assesses each staged module from the scanners' findings, like a gated script. */
export function assessStagedModules(opts: {
  modules: StagedModule[];
  findingsByPath: Map<string, Finding[]>;
  policy: Policy;
  now: Date;
  scanFailed: boolean;
}): { modules: ModuleReport[]; notices: string[] } {
  const notices: string[] = [];
  const modules = opts.modules.map((m): ModuleReport => {
    const a = assessScript(opts.findingsByPath.get(m.path) ?? [], opts.policy, m.path, opts.now);
    notices.push(...a.notices);
    const r: ModuleReport = { ...m, level: a.level, levelReasons: a.levelReasons, findings: a.findings };
    if (opts.scanFailed) {
      r.level = 'blocked';
      r.levelReasons.push('a scanner failed: nothing runs unassessed');
    }
    return r;
  });
  return { modules, notices };
}

/** True when `path` is inside the directory `dir` ('.' = the workspace root) or below. */
function isUnder(dir: string, path: string): boolean {
  return dir === '.' || path.startsWith(`${dir}/`);
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '.' : path.slice(0, i);
}

const RANK: Record<TrustLevel, number> = { low: 0, high: 1, blocked: 2 };

/**
 * Which staged Python sources each level's sandbox leaves out (those rated stricter),
 * and a levelReason on each script for every file it could otherwise have imported.
 * Levels are every file's own, so the answer does not depend on the order of scripts.
 */
export function leaveOutStricter(
  scripts: ScriptReport[],
  modules: ModuleReport[],
): Partial<Record<TrustLevel, string[]>> {
  const sources = [
    ...modules.map((m) => ({ path: m.path, level: m.level, kind: 'module' })),
    ...scripts.map((s) => ({ path: s.path, level: s.level, kind: 'gated script' })),
  ];
  const hiddenByLevel: Partial<Record<TrustLevel, string[]>> = {};
  for (const level of ['low', 'high'] as const) {
    hiddenByLevel[level] = sources.filter((o) => RANK[o.level] > RANK[level]).map((o) => o.path);
  }
  for (const s of scripts) {
    if (s.level === 'blocked') continue;
    const dir = dirOf(s.path);
    const left = sources.filter(
      (o) => o.path !== s.path && isUnder(dir, o.path) && RANK[o.level] > RANK[s.level],
    );
    s.levelReasons.push(
      ...left
        .slice(0, MAX_NAMED)
        .map(
          (o) =>
            `${JSON.stringify(o.path)} (${o.kind}, ${o.level}) is left out of this script's sandbox, being rated stricter than ${s.level}: importing it fails`,
        ),
    );
    if (left.length > MAX_NAMED)
      s.levelReasons.push(`and ${left.length - MAX_NAMED} more stricter file(s) left out of its sandbox`);
  }
  return hiddenByLevel;
}
