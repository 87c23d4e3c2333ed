import type { Policy } from '../policy/load.js';
import type { TrustLevel } from '../report/types.js';
import { type EgressRule, ruleFromEntry } from './allowlist.js';
import type { InstallSettings } from './install-phase.js';

export interface EffectiveEgress {
  rules: EgressRule[];
  maxBytes: number;
}

/**
 * What a script of `level` may reach, or null for no network at all (the default).
 *
 * A `high` script gets egress only when `execute.high.egress: true` says so: a profile
 * shared by both levels must not hand the network to code the scanners flagged. A
 * `low` script gets its profile's egress unless `execute.low.egress: false`.
 */
export function egressFor(policy: Policy, level: TrustLevel): EffectiveEgress | null {
  if (level === 'blocked') return null;
  const setting = policy.execute[level];
  if (!setting.run || setting.profile === undefined) return null;
  if (level === 'high' && setting.egress !== true) return null;
  if (level === 'low' && setting.egress === false) return null;
  const egress = policy.profiles[setting.profile]?.egress;
  if (!egress || egress.allow.length === 0) return null;
  const rules = egress.allow.map((entry) =>
    typeof entry === 'string' ? ruleFromEntry(entry) : ruleFromEntry(entry.host, entry.methods, entry.paths),
  );
  return { rules, maxBytes: egress.maxBytes };
}

/**
 * The install phase a script of `level` runs before itself (its profile's `install`),
 * or null. It uses the egress `egressFor` gives the level (loadPolicy refuses a policy
 * whose level would get an install phase but no egress); the script's own run has none.
 */
export function installFor(policy: Policy, level: TrustLevel): InstallSettings | null {
  if (level === 'blocked') return null;
  const setting = policy.execute[level];
  if (!setting.run || setting.profile === undefined) return null;
  return policy.profiles[setting.profile]?.install ?? null;
}
