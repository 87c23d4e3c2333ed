import { scannerById } from '../scan/registry.js';
import type { ScannerStatus } from './types.js';

/**
 * One warning per scanner that did not scan because the image lacks it. Under a
 * policy that requires the scanner this is also a gap (the verdict says so); under
 * `optional` it is the only trace, so the job summary and the CLI print it as a
 * warning, not a notice: the scripts passed a gate with one scanner missing.
 */
export function missingScannerWarnings(scanners: readonly ScannerStatus[]): string[] {
  return scanners
    .filter((s) => s.status === 'unavailable')
    .map((s) => {
      const title = scannerById(s.tool)?.title ?? s.tool;
      return `${title} did not scan: ${s.message ?? 'not available in the sandbox image'}. No script was checked by ${title}'s rules. Use an image that has it (the shipped airlock-sandbox image does), or set scanners.${s.tool}.mode: off to scan without it on purpose.`;
    });
}
