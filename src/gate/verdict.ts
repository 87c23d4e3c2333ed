import type { FailOn } from '../settings/gate-settings.js';
import type { GateReport, ScannerStatus, ScriptReport } from '../report/types.js';

/**
 * Which outcomes fail the gate. Pure: the report's scripts and scanner statuses in,
 * the verdict and its reasons out.
 *
 * - A scanner that started and `failed` (crashed, timed out, printed garbage) always
 *   fails the gate, whatever `failOn` says: a scan that did not complete can never pass.
 * - `gaps` are scanners the policy requires that are `unavailable` (see
 *   `scannerGap`); they fail the gate when `failOn` has `scanner-gap` (the default).
 *   An optional scanner that is absent is a notice, not a gap.
 * - `ungated` are Python files discovery selected but could not gate (a name that is
 *   not UTF-8, a file that vanished): they fail the gate when `failOn` has `ungated`
 *   (the default), so nothing passes only because Airlock could not look at it.
 */
export function decideVerdict(
  scripts: ScriptReport[],
  scanners: ScannerStatus[],
  failOn: readonly FailOn[],
  gaps: readonly string[] = [],
  ungated: readonly { path: string; reason: string }[] = [],
): { verdict: GateReport['verdict']; reasons: string[] } {
  const reasons: string[] = [];
  for (const s of scanners) {
    if (s.status === 'failed') reasons.push(`scanner ${s.tool} failed: ${s.message ?? 'no result'}`);
  }
  if (failOn.includes('scanner-gap')) for (const g of gaps) reasons.push(`scanner gap: ${g}`);
  if (failOn.includes('ungated'))
    for (const u of ungated) reasons.push(`${JSON.stringify(u.path)}: not gated: ${u.reason}`);
  for (const s of scripts) {
    if (s.level === 'blocked' && failOn.includes('blocked')) reasons.push(`${s.path}: blocked`);
    if (s.level === 'high' && failOn.includes('high')) reasons.push(`${s.path}: assessed high`);
    const st = s.execution?.status;
    // A run stopped by cancellation did not complete: an incomplete gate never passes.
    if (st === 'cancelled') reasons.push(`${s.path}: run cancelled`);
    else if (st && st !== 'success' && failOn.includes(st)) reasons.push(`${s.path}: run ${st}`);
  }
  return { verdict: reasons.length ? 'fail' : 'pass', reasons };
}

export function countLevels(scripts: ScriptReport[]): GateReport['counts'] {
  return {
    low: scripts.filter((s) => s.level === 'low').length,
    high: scripts.filter((s) => s.level === 'high').length,
    blocked: scripts.filter((s) => s.level === 'blocked').length,
    executed: scripts.filter((s) => s.decision === 'executed').length,
    // Cancelled runs are not failed ones (counted in the report's `cancelled`).
    failed: scripts.filter(
      (s) => s.execution && s.execution.status !== 'success' && s.execution.status !== 'cancelled',
    ).length,
  };
}
