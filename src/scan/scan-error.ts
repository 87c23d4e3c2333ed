import type { Finding } from '../report/types.js';

/** Rule id of the finding Airlock adds when a scanner could not (fully) scan a file. */
export const SCAN_ERROR_RULE = 'airlock.scan-error';

/**
 * A file a scanner could not read is not a clean file: generated code that Bandit
 * cannot parse (Python 2 syntax, a stray NUL, an encoding trick) would otherwise pass
 * unscanned. So the failure becomes a high-severity finding on that file, and the
 * policy decides what a scan error costs; it is never a silent pass.
 */
export function scanErrorFinding(message: string, line = 1): Finding {
  return {
    tool: 'airlock',
    ruleId: SCAN_ERROR_RULE,
    severity: 'high',
    confidence: 'high',
    line: Number.isInteger(line) && line >= 1 ? line : 1,
    message,
  };
}

export function addFinding(map: Map<string, Finding[]>, path: string, finding: Finding): void {
  const list = map.get(path);
  if (list) list.push(finding);
  else map.set(path, [finding]);
}
