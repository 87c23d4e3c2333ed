import type { Policy } from '../policy/index.js';
import { policySha256 } from '../policy/index.js';
import type { ModuleReport, ScriptReport } from '../report/types.js';
import type { AuditSettings, ExecuteScripts } from '../settings/gate-settings.js';
import { rulesDigest } from './cache-key.js';
import { VerdictCacheRun } from './cache-run.js';
import { loadVerdictCache } from './verdict-cache.js';

/**
 * The gate's verdict cache for one run, or undefined without an audit log (the cache
 * is the log: docs/cache.md). `files`: staged path -> SHA-256 of the staged bytes of
 * every file the scanners are given.
 */
export async function openGateCache(opts: {
  audit?: AuditSettings;
  policy: Policy;
  imageId: string;
  files: Map<string, string>;
  progress: (line: string) => void;
}): Promise<VerdictCacheRun | undefined> {
  if (!opts.audit) return undefined;
  const index = await loadVerdictCache(opts.audit);
  if (index.unusable) opts.progress(`verdict cache: nothing reused: ${index.unusable}`);
  else opts.progress(`verdict cache: ${index.byKey.size} signed scan result(s) in the audit log`);
  return new VerdictCacheRun(index, {
    policySha256: policySha256(opts.policy),
    imageId: opts.imageId,
    rulesSha256: await rulesDigest(opts.policy),
    files: opts.files,
  });
}

/**
 * With `execute.scripts: changed`, a script whose scan was reused is not run again
 * (decision `skipped`, `unchanged: true`), unless a Python source staged beside the
 * scripts changed: `import` would run it, so every script runs then. Nor when the
 * policy mounts `data:` inputs: the key covers what is scanned, not the data a script
 * reads, so a script whose inputs changed would otherwise keep an answer about other
 * data. Blocked scripts are left to the execute stage (decision `blocked`). Returns the
 * scripts to execute.
 */
export function holdUnchanged(
  scripts: ScriptReport[],
  modules: readonly ModuleReport[],
  scope: ExecuteScripts,
  hasDataInputs = false,
): ScriptReport[] {
  if (scope === 'all' || hasDataInputs || modules.some((m) => !m.reusedScan)) return scripts;
  return scripts.filter((s) => {
    if (!s.reusedScan || s.level === 'blocked') return true;
    s.decision = 'skipped';
    s.unchanged = true;
    return false;
  });
}
