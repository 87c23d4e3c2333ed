import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What bench/audit.ts (the audit engineer's benchmark, reused as is) prints. */
export interface AuditBenchResult {
  entries: number;
  logMiB: number;
  bytesPerEntry: number;
  append: { seconds: number; entriesPerSecond: number; mibPerSecond: number; peakRssMiB: number };
  appendWithFsyncEachEntry: { entries: number; entriesPerSecond: number };
  verify: {
    seconds: number;
    entriesPerSecond: number;
    mibPerSecond: number;
    peakRssMiB: number;
    idleNodeTsxRssMiB: number;
  };
}

const AUDIT_BENCH = fileURLToPath(new URL('../audit.ts', import.meta.url));

/**
 * Runs bench/audit.ts for `entries` in a child process: append throughput, then `verify`
 * in a fresh grandchild whose peak RSS is the verifier's alone (its own design).
 */
export function benchAudit(entries: number): Promise<AuditBenchResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', AUDIT_BENCH, '--entries', String(entries)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < 16_384) err += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        return reject(
          new Error(
            `bench/audit.ts --entries ${entries} exited ${code}: ${err.trim().split('\n').at(-1) ?? ''}`,
          ),
        );
      try {
        resolve(JSON.parse(out) as AuditBenchResult);
      } catch (e) {
        reject(new Error(`bench/audit.ts printed no JSON: ${(e as Error).message}`));
      }
    });
  });
}
