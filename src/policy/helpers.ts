import type { TrustLevel } from '../report/types.js';
import type { SandboxLimits } from '../sandbox/types.js';
import type { Policy } from './load.js';
import type { AllowlistEntry } from './schema.js';

/** The profile a script of this level runs under, or null when the level does not run. */
export function profileFor(
  policy: Policy,
  level: TrustLevel,
): { name: string; limits: SandboxLimits } | null {
  if (level === 'blocked') return null; // never runs, whatever the file says (the schema refuses run: true)
  const setting = policy.execute[level];
  if (!setting.run || setting.profile === undefined) return null;
  const profile = policy.profiles[setting.profile];
  // loadPolicy checked the reference; a hand-built Policy that breaks it is a bug.
  if (!profile)
    throw new Error(`policy ${policy.name}: execute.${level}.profile "${setting.profile}" is not defined`);
  // Egress and the install phase are not limits: src/egress/policy-egress.ts decides them per level.
  const { egress: _egress, install: _install, ...limits } = profile;
  return { name: setting.profile, limits };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * An entry applies through the whole of its `expires` day (UTC) and stops at the
 * next midnight UTC, the same instant on every runner whatever its time zone.
 */
export function allowlistExpired(entry: Pick<AllowlistEntry, 'expires'>, now: Date): boolean {
  return now.getTime() >= Date.parse(`${entry.expires}T00:00:00Z`) + DAY_MS;
}

export function describeAllowlistEntry(entry: AllowlistEntry): string {
  return `${entry.tool} ${entry.ruleId} on ${entry.paths.join(', ')}`;
}

/**
 * One notice per expired allowlist entry, for the job summary: an expired
 * suppression has stopped applying, and whoever owns it should renew or remove it.
 */
export function expiredAllowlistNotices(policy: Policy, now: Date): string[] {
  return policy.allowlist
    .filter((e) => allowlistExpired(e, now))
    .map(
      (e) =>
        `allowlist entry ${describeAllowlistEntry(e)} expired on ${e.expires} and no longer applies; renew it with a new justification or remove it`,
    );
}
