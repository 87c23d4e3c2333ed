import { assessScript, maxLevel } from '../assess/index.js';
import type { Policy } from '../policy/index.js';
import type { Finding, ModuleReport, ScriptReport, TrustLevel } from '../report/types.js';
import type { StagedModule } from './stage.js';

/**
 * The run level of a script is the strictest of everything it runs beside.
 *
 * A script runs with its own directory (and every subfolder) as `/work`, and Python puts
 * that directory first on `sys.path`: any `.py` staged there, gated or not, can be
 * imported and run. So each such source is scanned and assessed like a script, and:
 * - a `blocked` source is left out of what the sandbox mounts (`hidden`): no script can
 *   import it, and the scripts that could have say so in their levelReasons. Blocking
 *   every script beside it instead would stop a whole folder of generated scripts
 *   because of one, although none of them can reach the blocked code any more.
 * - a script that can see a `high` source is raised to `high` (it runs under the
 *   restricted profile), naming the files that raised it.
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
 * Raises each script's level to the strictest level of the other Python sources it can
 * see (staged modules and other gated scripts under its directory) that will be in the
 * sandbox, and returns the blocked sources to leave out of it. Uses every file's own
 * level, so the answer does not depend on the order of the scripts.
 */
export function liftToStrictestStaged(
  scripts: ScriptReport[],
  modules: ModuleReport[],
): { hidden: string[] } {
  const sources = [
    ...modules.map((m) => ({ path: m.path, level: m.level, why: m.levelReasons[0], kind: 'module' })),
    ...scripts.map((s) => ({ path: s.path, level: s.level, why: s.levelReasons[0], kind: 'gated script' })),
  ];
  const hidden = sources.filter((o) => o.level === 'blocked').map((o) => o.path);
  for (const s of scripts) {
    if (s.level === 'blocked') continue;
    const dir = dirOf(s.path);
    const seen = sources.filter((o) => o.path !== s.path && isUnder(dir, o.path));
    const runsBeside = seen.filter((o) => o.level !== 'blocked');
    const strictest = runsBeside.reduce<TrustLevel>((l, o) => maxLevel(l, o.level), 'low');
    if (RANK[strictest] > RANK[s.level]) {
      const raising = runsBeside.filter((o) => o.level === strictest);
      s.level = strictest;
      s.levelReasons = named(raising).map(
        (o) =>
          `${JSON.stringify(o.path)} (${o.kind}, ${o.level}) is staged in this script's directory, so \`import\` can run it -> ${strictest}${o.why ? ` (${o.why})` : ''}`,
      );
      if (raising.length > MAX_NAMED)
        s.levelReasons.push(`and ${raising.length - MAX_NAMED} more ${strictest} file(s) in its directory`);
    }
    const left = seen.filter((o) => o.level === 'blocked');
    s.levelReasons.push(
      ...named(left).map(
        (o) =>
          `${JSON.stringify(o.path)} (${o.kind}, blocked) is left out of this script's sandbox: importing it fails`,
      ),
    );
    if (left.length > MAX_NAMED)
      s.levelReasons.push(`and ${left.length - MAX_NAMED} more blocked file(s) left out of its sandbox`);
  }
  return { hidden };
}

function named<T>(xs: T[]): T[] {
  return xs.slice(0, MAX_NAMED);
}
