import { banditScanner } from './bandit.js';
import type { Scanner } from './scanner.js';
import { semgrepScanner } from './semgrep.js';

/**
 * Every scanner Airlock knows, in the order they run. The scan stage, the policy
 * schema (`scanners.<name>`), the SARIF writer (one run per scanner), the report
 * (`scanners[]`) and the summary iterate this list; nothing else names a scanner.
 * Adding one is its definition file plus one line here (docs/design.md shows it).
 */
export const SCANNERS = [banditScanner, semgrepScanner] as const;

/** `bandit` | `semgrep`: a scanner's id in the policy, the report and the SARIF. */
export type ScannerId = (typeof SCANNERS)[number]['name'];

export const SCANNER_IDS = SCANNERS.map((s) => s.name) as ScannerId[];

export function scannerById(id: string): Scanner | undefined {
  return SCANNERS.find((s) => s.name === id) as Scanner | undefined;
}
