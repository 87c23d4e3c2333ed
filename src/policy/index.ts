/** The policy: what a finding means (levels), what runs and how (execute, profiles, sandbox), what fails the gate. */
export { DEFAULT_PROFILES, FAIL_ON_OUTCOMES, type FailOnOutcome } from './defaults.js';
export {
  allowlistExpired,
  describeAllowlistEntry,
  expiredAllowlistNotices,
  profileFor,
} from './helpers.js';
export { loadPolicy, type Policy, policySha256 } from './load.js';
export { policiesDir, resolvePolicyRef } from './policies-dir.js';
export type { AllowlistEntry, LevelRule } from './schema.js';
