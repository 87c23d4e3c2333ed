import type { ExecutionResult, Finding, ScannerName, ScannerStatus, Severity } from '../report/types.js';
import type { HardenedRunSpec } from '../sandbox/types.js';

/** What one scanner run hands to the assessor: its status and the findings per relative path. */
export interface ScanOutcome {
  status: ScannerStatus;
  findingsByPath: Map<string, Finding[]>;
  /** Descriptions of the rules that fired, for the SARIF writer's `tool.driver.rules`. */
  rules: RuleMeta[];
}

/** A problem the scanner reported about one file (it could not parse it, it timed out on it...). */
export interface ScanFileError {
  /** Relative to the scan root, forward slashes; undefined when the scanner did not name a file. */
  path: string | undefined;
  message: string;
}

/**
 * What the SARIF writer needs to describe a rule. Scanners fill in what they know
 * (Bandit: test name and docs link; our Semgrep rules: message and metadata).
 */
export interface RuleMeta {
  tool: ScannerName;
  id: string;
  /** Short human name, e.g. Bandit's `exec_used`. */
  name?: string;
  shortDescription: string;
  fullDescription?: string;
  helpUri?: string;
  /** CWE ids as numbers, e.g. [78]. */
  cwe?: number[];
  defaultSeverity?: Severity;
}

/**
 * The hardened container runner (src/sandbox/run-hardened.ts). Passed in rather than
 * imported everywhere so unit tests of the argv/parsing can use a recording fake,
 * while integration tests use the real runner against the real Docker engine.
 */
export type HardenedRunner = (spec: HardenedRunSpec) => Promise<ExecutionResult>;
