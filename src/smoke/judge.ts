import type { ImageFlavor } from '../image/flavor.js';
import type { ExecutionResult } from '../report/types.js';
import type { SandboxLimits } from '../sandbox/types.js';

/** What every smoke check is made of, and the judges that read a check script's verdict line. */
export type CheckStatus = 'pass' | 'fail' | 'unavailable';

export interface CheckOutcome {
  status: CheckStatus;
  detail: string;
}

export interface SmokeContext {
  /** Value of the fake secret put into Airlock's own environment for the run. */
  fakeSecret: string;
  runtime: 'runc' | 'runsc';
  /** The flavor the image is checked as (what it must have, and must not). */
  flavor: ImageFlavor;
}

export interface SmokeCheck {
  name: string;
  /** argv after `python3`, e.g. ['proc_status.py', 'seccomp']. */
  args: string[];
  /** Overrides of the smoke profile for this check (e.g. a small memory limit). */
  limits?: Partial<SandboxLimits>;
  /** The flavors this check runs on; absent = both. */
  flavors?: readonly ImageFlavor[];
  judge(r: ExecutionResult, outDir: string, ctx: SmokeContext): Promise<CheckOutcome>;
}

export interface Claim {
  status?: string;
  detail?: string;
  file?: string;
  env?: Record<string, string>;
  pid1?: string;
  found?: string[];
  versions?: Record<string, unknown>;
}

export function claimOf(r: ExecutionResult): Claim | null {
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    const v = JSON.parse(line) as unknown;
    return typeof v === 'object' && v !== null ? (v as Claim) : null;
  } catch {
    return null;
  }
}

export function runFailure(r: ExecutionResult): CheckOutcome {
  const tail = r.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 400);
  return {
    status: 'fail',
    detail: `run ${r.status}${r.reason ? ` (${r.reason})` : ''}${tail ? `: ${tail}` : ''}`,
  };
}

/** The script's own verdict, only when the run itself succeeded. */
export async function selfReported(r: ExecutionResult): Promise<CheckOutcome> {
  if (r.status !== 'success') return runFailure(r);
  const c = claimOf(r);
  if (!c || (c.status !== 'pass' && c.status !== 'fail' && c.status !== 'unavailable')) {
    return { status: 'fail', detail: 'no verdict line from the check script' };
  }
  return { status: c.status, detail: String(c.detail ?? '') };
}
