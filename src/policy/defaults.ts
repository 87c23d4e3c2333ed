import type { SandboxLimits } from '../sandbox/types.js';

/**
 * The numbers a policy falls back to when it does not name them. docs/policy.md
 * lists each with the reason for its size; policies/default.yml spells the same
 * values out so a reader sees them (a unit test keeps the two equal).
 *
 * The sandbox engineer owns `SandboxLimits`; no shared `DEFAULT_PROFILES` existed
 * when the policy was written, so the profile defaults live here.
 */

/** Ordinary generated analysis: pandas over a few CSVs, a handful of matplotlib figures. */
export const STANDARD_PROFILE: SandboxLimits = {
  timeoutSeconds: 120,
  memoryMb: 1024,
  cpus: 1,
  // numpy/OpenBLAS start one thread per core; 128 leaves room for that and still stops a fork bomb.
  pids: 128,
  tmpfsMb: 256,
  outputMb: 256,
  nofile: 256,
  fsizeMb: 128,
  maxOutputBytes: 1024 * 1024,
  maxArtifacts: 200,
};

/** Code with findings worth a second look: it runs, with less of everything. */
export const RESTRICTED_PROFILE: SandboxLimits = {
  timeoutSeconds: 60,
  memoryMb: 512,
  cpus: 0.5,
  pids: 64,
  tmpfsMb: 64,
  outputMb: 64,
  nofile: 128,
  fsizeMb: 32,
  maxOutputBytes: 256 * 1024,
  maxArtifacts: 50,
};

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
} as const;

export const DEFAULT_SANDBOX = {
  image: 'airlock-sandbox:local',
  runtime: 'runc',
  // The sandbox image's non-root user (images/Dockerfile, uid 10001).
  user: '10001:10001',
  parallelism: 0,
} as const;

export const DEFAULT_SCANNER_TIMEOUTS = { bandit: 120, semgrep: 300 } as const;

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
];
