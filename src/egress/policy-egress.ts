import { UserError } from '../errors.js';
import type { Policy } from '../policy/load.js';
import type { TrustLevel } from '../report/types.js';
import { type EgressRule, ruleFromEntry } from './allowlist.js';

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
 * The proxy (src/egress/proxy.ts) is built and tested, but this version does not yet
 * start it for a sandbox. A policy that grants egress is refused rather than run with
 * no network, so nobody believes a script was given what it was not.
 */
export function refuseUngrantableEgress(policy: Policy): void {
  const levels = (['low', 'high'] as const).filter((l) => egressFor(policy, l) !== null);
  if (levels.length === 0) return;
  throw new UserError(
    'EGRESS_UNAVAILABLE',
    `policy ${policy.name}: profiles grant egress to ${levels.join(' and ')} scripts, but this version of Airlock cannot start the egress proxy for a sandbox yet; remove profiles.<name>.egress.allow (scripts run with no network) (docs/egress.md)`,
  );
}
