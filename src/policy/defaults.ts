import type { SandboxLimits } from '../sandbox/types.js';
import { DEFAULT_PROFILES as SANDBOX_PROFILES, DEFAULT_SANDBOX_CONFIG } from '../sandbox/profiles.js';

/**
 * The values a policy falls back to when it does not name them. docs/policy.md
 * lists each with the reason for its size; policies/default.yml spells the same
 * values out so a reader sees them (a unit test keeps the two equal).
 *
 * The profile numbers belong to the sandbox (src/sandbox/profiles.ts explains each);
 * the policy only names them, so the two cannot drift apart.
 */
export const STANDARD_PROFILE: SandboxLimits = SANDBOX_PROFILES.standard;
export const RESTRICTED_PROFILE: SandboxLimits = SANDBOX_PROFILES.restricted;

export const DEFAULT_PROFILES: Readonly<Record<string, SandboxLimits>> = {
  standard: STANDARD_PROFILE,
  restricted: RESTRICTED_PROFILE,
};

export const DEFAULT_LIMITS = {
  // A pull request of generated scripts has tens of files; 500 means "a whole repo
  // was pointed at by mistake" long before it means memory trouble.
  maxFiles: 500,
  // Every discovered script is held in memory once (its bytes are hashed and reused,
  // so what was scanned is what runs): 500 x 256 KiB bounds that at 125 MiB. A
  // generated analysis script over 256 KiB is itself suspicious (embedded payloads).
  maxFileBytes: 256 * 1024,
  // Policy `data:` inputs (docs/policy.md, "data"): copied once per gate into the private
  // stage and hashed. 500 files bounds the list every audit `run.start` entry carries well
  // below its 1 MiB line limit; 256 MiB bounds the copy in TMPDIR.
  maxDataFiles: 500,
  maxDataBytes: 256 * 1024 * 1024,
} as const;

export const DEFAULT_SANDBOX = {
  image: DEFAULT_SANDBOX_CONFIG.image,
  runtime: DEFAULT_SANDBOX_CONFIG.runtime,
  user: DEFAULT_SANDBOX_CONFIG.user,
  parallelism: DEFAULT_SANDBOX_CONFIG.parallelism,
};

/** Shipped name of the Semgrep rules folder, relative to the shipped policies/ dir. */
export const DEFAULT_SEMGREP_RULES_DIR = 'semgrep';

export const FAIL_ON_OUTCOMES = [
  'blocked',
  'high',
  'failure',
  'timeout',
  'oom',
  'error',
  'scanner-gap',
  'ungated',
] as const;
export type FailOnOutcome = (typeof FAIL_ON_OUTCOMES)[number];

/** A script that is high still runs (restricted); a gap in scanning fails closed. */
export const DEFAULT_FAIL_ON: FailOnOutcome[] = [
  'blocked',
  'failure',
  'timeout',
  'oom',
  'error',
  'scanner-gap',
  'ungated',
];
