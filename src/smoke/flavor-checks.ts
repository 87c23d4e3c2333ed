import type { ExecutionResult } from '../report/types.js';
import {
  type CheckOutcome,
  claimOf,
  runFailure,
  type SmokeCheck,
  type SmokeContext,
  selfReported,
} from './judge.js';

/**
 * The checks that tell the two flavors apart (src/image/flavor.ts). Only full has a
 * browser and the Mermaid CLI; core must not: a core image that grew Chromium would
 * quietly ship twice its size and a browser's attack surface, so core's smoke run
 * looks for it, and reads the image's own record (versions.json) too.
 */

/** Tools both flavors must list in /opt/airlock/versions.json. */
const EVERY_FLAVOR = [
  'python',
  'bandit',
  'semgrep',
  'polars',
  'pandas',
  'matplotlib',
  'networkx',
  'graphviz',
];
/** What only full has (absent, null, in core's file). */
const FULL_ONLY = ['chromium', 'mermaid-cli', 'nodejs'];

const present = (v: unknown) => typeof v === 'string' && v.length > 0;

async function judgeVersionsFile(r: ExecutionResult, _out: string, ctx: SmokeContext): Promise<CheckOutcome> {
  if (r.status !== 'success') return runFailure(r);
  const own = await selfReported(r);
  const versions = claimOf(r)?.versions;
  if (own.status !== 'pass' || !versions || typeof versions !== 'object') {
    return { status: 'fail', detail: own.detail || 'no versions.json content' };
  }
  if (versions.flavor !== ctx.flavor) {
    return {
      status: 'fail',
      detail: `versions.json says flavor ${JSON.stringify(versions.flavor)}, checked as ${ctx.flavor}`,
    };
  }
  const missing = EVERY_FLAVOR.filter((k) => !present(versions[k]));
  const full = FULL_ONLY.filter((k) => present(versions[k]));
  if (ctx.flavor === 'full') missing.push(...FULL_ONLY.filter((k) => !present(versions[k])));
  if (missing.length > 0) return { status: 'fail', detail: `versions.json lacks ${missing.join(', ')}` };
  if (ctx.flavor === 'core' && full.length > 0) {
    return { status: 'fail', detail: `core's versions.json lists ${full.join(', ')}` };
  }
  const shown = ctx.flavor === 'full' ? ['semgrep', 'chromium', 'mermaid-cli'] : ['semgrep', 'polars'];
  return {
    status: 'pass',
    detail: `flavor ${ctx.flavor}; ${shown.map((k) => `${k} ${String(versions[k])}`).join(', ')}`,
  };
}

export const FLAVOR_CHECKS: SmokeCheck[] = [
  { name: 'versions-file', args: ['versions_file.py'], judge: judgeVersionsFile },
  { name: 'no-browser', args: ['no_browser.py'], flavors: ['core'], judge: selfReported },
];
