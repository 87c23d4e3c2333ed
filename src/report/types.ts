import type { EngineFailureKind } from '../sandbox/container-engine.js';
import type { EngineLeftover } from '../sandbox/engine-leftovers.js';
import type { ScannerId } from '../scan/registry.js';

/**
 * The report contract (DESIGN.md, "Report"). Outside checks read these field names;
 * change them only together with DESIGN.md.
 */
export type TrustLevel = 'low' | 'high' | 'blocked';
export type Decision = 'executed' | 'blocked' | 'skipped';
/**
 * `cancelled`: the run was in flight when the gate was cancelled (SIGINT/SIGTERM, a
 * cancelled CI job) and was stopped; never reported as `failure`.
 */
export type ExecutionStatus = 'success' | 'failure' | 'timeout' | 'oom' | 'error' | 'cancelled';
/** A finding's tool: a registered scanner (src/scan/registry.ts) or Airlock itself (scan errors). */
export type ScannerName = ScannerId | 'airlock';
export type Severity = 'low' | 'medium' | 'high';
export type Confidence = 'low' | 'medium' | 'high';

export interface Finding {
  tool: ScannerName;
  ruleId: string;
  severity: Severity;
  confidence: Confidence;
  line: number;
  column?: number;
  endLine?: number;
  message: string;
  /**
   * The level this finding alone gives under the policy (set by assessment; absent on
   * allowlisted findings, which do not count), the policy entry that decided it
   * (`levels.rules[6]`, `levels.unmatched`, `levels.scannerError`) and that entry's `why`.
   */
  level?: TrustLevel;
  levelRule?: string;
  why?: string;
  /** Set when an allowlist entry matched; the finding stays in the report but does not raise the level. */
  allowlisted?: { justification: string; expires: string };
}

export interface Artifact {
  /** Relative to the script's output directory; never absolute, never `..`. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface ExecutionResult {
  status: ExecutionStatus;
  exitCode: number | null;
  durationMs: number;
  peakMemoryBytes: number | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  stdoutBytes: number;
  stderrBytes: number;
  stdoutSha256: string;
  stderrSha256: string;
  artifacts: Artifact[];
  artifactsTruncated: boolean;
  /** Human-readable cause for `error`/`oom`/`timeout`. */
  reason?: string;
  /**
   * Set when the engine could not carry the exec through (status `error`), by kind:
   * `exec-failed` is a command the engine could not start (not in the image).
   */
  engineFailure?: EngineFailureKind;
  /**
   * Set when the engine died under this run and its container could not be removed:
   * what is still on the host (processes in its cgroup, its runtime shim), found without
   * the engine (src/sandbox/engine-leftovers.ts). Empty: nothing of it is left.
   */
  engineLeftovers?: EngineLeftover[];
  runtime: 'runc' | 'runsc';
  profile: string;
  containerName: string;
  /**
   * Every request the script made through the egress proxy, allowed or denied and why
   * (present only when its level had egress: docs/egress.md).
   */
  egress?: EgressRequest[];
  /** The install phase that ran before the script, when its profile has one (docs/egress.md). */
  install?: InstallResult;
}

/** The optional install phase: pip install of pinned, hashed requirements with egress. */
export interface InstallResult {
  /** Workspace-relative, as the policy names it. */
  requirements: string;
  index: string;
  /** `success`: everything pip installed matched the pins; otherwise the script did not run. */
  status: 'success' | 'failure' | 'timeout' | 'error';
  /** pip's exit status. */
  exitCode: number | null;
  durationMs: number;
  packages: InstalledPackage[];
  /** Why it did not succeed (pip's first error line, a timeout, a report that did not match). */
  reason?: string;
}

export interface InstalledPackage {
  name: string;
  version: string;
  /** The pinned hash the downloaded file matched, `sha256:<hex>`. */
  hash: string;
}

export interface EgressRequest {
  method: string;
  host: string;
  port: number;
  /** Plain HTTP only: TLS hides it. */
  path?: string;
  bytesUp: number;
  bytesDown: number;
  allowed: boolean;
  reason: string;
  /** Runs with an install phase only: which phase made the request (docs/egress.md). */
  phase?: 'install' | 'run';
}

/** What was scanned and assessed about one file: a gated script or a staged module. */
export interface AssessedFile {
  /** Relative to the workspace, forward slashes. */
  path: string;
  /** Of the staged bytes, which are what the scanners read and the sandbox mounts. */
  sha256: string;
  bytes: number;
  level: TrustLevel;
  /** Why the level is what it is, e.g. "bandit B307 (medium/high) -> blocked". */
  levelReasons: string[];
  findings: Finding[];
  /**
   * Set when the verdict cache reused this file's scan result (docs/cache.md): the
   * signed audit entry (`seq`, entry `hash`) the result was read from.
   */
  reusedScan?: { seq: number; hash: string };
}

export interface ScriptReport extends AssessedFile {
  /** `skipped` with `unchanged: true`: not run because its scan was reused and the policy runs only changed scripts (`execute.scripts: changed`). */
  decision: Decision;
  unchanged?: true;
  execution?: ExecutionResult;
}

/**
 * A Python source staged beside the gated scripts that was not itself gated (an
 * unchanged sibling module on a pull request, a package in a subfolder): `import`
 * would run it, so it is scanned and assessed too, and it is left out of the sandbox
 * of every script rated below it (docs/design.md, "Nothing runs unscanned").
 */
export type ModuleReport = AssessedFile;

export interface ScannerStatus {
  tool: ScannerId;
  /** `ran`: completed; `unavailable`: not installed (policy said optional); `failed`: crashed or timed out. */
  status: 'ran' | 'unavailable' | 'failed';
  /** The scanner's own version (its `--version` probe or its report), e.g. "1.9.4". */
  version?: string;
  durationMs?: number;
  message?: string;
}

export interface GateReport {
  version: 1;
  tool: { name: 'airlock'; version: string };
  startedAt: string;
  finishedAt: string;
  workspace: string;
  verdict: 'pass' | 'fail';
  verdictReasons: string[];
  counts: { low: number; high: number; blocked: number; executed: number; failed: number };
  /**
   * The policy that decided; `revision` is the commit it was read from when that is
   * not the checkout (pull requests: the base commit), else null.
   */
  policy: { path: string; name: string; sha256: string; revision?: string | null };
  image: { ref: string; id: string | null };
  scanners: ScannerStatus[];
  notices: string[];
  scripts: ScriptReport[];
  /** Present when Python sources other than the gated scripts were staged (and scanned). */
  modules?: ModuleReport[];
  /**
   * The policy's `data:` inputs every executed script could read (read-only, at their
   * workspace paths): present when the policy names data and the gate ran scripts.
   */
  inputs?: { path: string; bytes: number; sha256: string }[];
  /** `signed` is false when the log was written without a signing key (unsigned checkpoint). */
  audit?: { log: string; checkpoint: string; size: number; root: string; signed: boolean };
  /**
   * Set when the run was cancelled: the signal, the runs that were in flight (their
   * execution status is `cancelled`) and the runnable scripts never started (`skipped`).
   */
  cancelled?: { signal: string; inFlight: number; notStarted: number };
  sarif?: string;
}
