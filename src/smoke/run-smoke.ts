import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { sweepOrphans } from '../sandbox/containers.js';
import { defaultEngine } from '../sandbox/docker-engine.js';
import { requireEngineRuntime, requireEngineUp, requireImage } from '../sandbox/engine-ready.js';
import { runPool } from '../sandbox/pool.js';
import { DEFAULT_CONTAINER_LABEL, DEFAULT_PROFILES } from '../sandbox/profiles.js';
import { runHardened } from '../sandbox/run-hardened.js';
import type { SandboxLimits, SandboxRuntime } from '../sandbox/types.js';
import { FLAVOR_LABEL, type ImageFlavor, isImageFlavor } from '../image/flavor.js';
import { inspectImage } from '../image/docker-image.js';
import { type CheckStatus, type SmokeCheck, smokeChecksFor } from './checks.js';

export interface SmokeOptions {
  image: string;
  runtime: SandboxRuntime;
  /**
   * The flavor to check the image as: core must lack Chromium and Mermaid, full must
   * have them. Default: the image's org.airlock.flavor label; an image without one
   * (not built from images/) is checked as full, every tool expected.
   */
  flavor?: ImageFlavor;
  /** Checks to run (default all of the flavor's); names from SMOKE_CHECKS. */
  only?: string[];
  /** Concurrent checks (0 = cores). */
  parallelism?: number;
  progress?: (line: string) => void;
}

export interface SmokeCheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  durationMs: number;
  execution: {
    status: string;
    exitCode: number | null;
    peakMemoryBytes: number | null;
    containerName: string;
  };
}

export interface SmokeReport {
  version: 1;
  tool: { name: 'airlock'; version: string };
  image: { ref: string; id: string };
  /** The flavor the image was checked as, and where that came from. */
  flavor: { name: ImageFlavor; from: 'option' | 'label' | 'default' };
  runtime: SandboxRuntime;
  profile: { name: 'standard'; limits: SandboxLimits };
  startedAt: string;
  finishedAt: string;
  summary: { pass: number; fail: number; unavailable: number };
  checks: SmokeCheckResult[];
}

/** The name of the variable holding the fake secret (in Airlock's own env, never passed in). */
export const FAKE_SECRET_VAR = 'AIRLOCK_SMOKE_FAKE_SECRET';

/**
 * images/smoke/, found by walking up from this module: it sits two levels up from
 * src/smoke/ and one from the bundled dist/.
 */
export function smokeDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'images', 'smoke');
    if (existsSync(path.join(candidate, '_smoke.py'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new UserError(
    'PATH_INVALID',
    'images/smoke/ (the smoke check scripts) was not found next to Airlock',
  );
}

async function runCheck(
  check: SmokeCheck,
  opts: SmokeOptions,
  scripts: string,
  fakeSecret: string,
  flavor: ImageFlavor,
): Promise<SmokeCheckResult> {
  const out = await mkdtemp(path.join(tmpdir(), 'airlock-smoke-'));
  try {
    const r = await runHardened({
      sandbox: {
        image: opts.image,
        runtime: opts.runtime,
        user: '10001:10001',
        parallelism: 1,
        label: DEFAULT_CONTAINER_LABEL,
      },
      limits: { ...DEFAULT_PROFILES.standard, ...check.limits },
      profile: 'standard',
      workDir: scripts,
      command: ['python3', ...check.args],
      collectOutputTo: path.join(out, 'artifacts'),
      label: `smoke-${check.name}`,
    });
    const verdict = await check.judge(r, path.join(out, 'artifacts'), {
      fakeSecret,
      runtime: opts.runtime,
      flavor,
    });
    return {
      name: check.name,
      ...verdict,
      durationMs: r.durationMs,
      execution: {
        status: r.status,
        exitCode: r.exitCode,
        peakMemoryBytes: r.peakMemoryBytes,
        containerName: r.containerName,
      },
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** The flavor to check as: the option, else the image's label, else full (every tool expected). */
async function flavorOf(opts: SmokeOptions): Promise<SmokeReport['flavor']> {
  if (opts.flavor) return { name: opts.flavor, from: 'option' };
  const label = (await inspectImage(opts.image))?.labels[FLAVOR_LABEL];
  return isImageFlavor(label) ? { name: label, from: 'label' } : { name: 'full', from: 'default' };
}

/** Runs the smoke suite; throws UserError when Docker or the image is missing. */
export async function runSmoke(opts: SmokeOptions): Promise<SmokeReport> {
  const startedAt = new Date().toISOString();
  const engine = defaultEngine();
  await requireEngineUp(engine);
  await requireEngineRuntime(engine, opts.runtime);
  const imageId = await requireImage(engine, opts.image);
  const flavor = await flavorOf(opts);
  await sweepOrphans(DEFAULT_CONTAINER_LABEL, engine);
  const scripts = smokeDir();
  const applicable = smokeChecksFor(flavor.name);
  const checks = opts.only ? applicable.filter((c) => opts.only!.includes(c.name)) : applicable;
  if (opts.only && checks.length !== opts.only.length) {
    const known = new Set(applicable.map((c) => c.name));
    throw new UserError(
      'USAGE',
      `unknown smoke check(s) for flavor ${flavor.name}: ${opts.only.filter((n) => !known.has(n)).join(', ')}`,
    );
  }
  // A fake secret in OUR environment: the no-runner-secrets check shows it does not get in.
  const fakeSecret = `airlock-fake-${randomBytes(12).toString('hex')}`;
  const previous = process.env[FAKE_SECRET_VAR];
  process.env[FAKE_SECRET_VAR] = fakeSecret;
  try {
    const results = await runPool(checks, opts.parallelism ?? 2, async (check) => {
      const r = await runCheck(check, opts, scripts, fakeSecret, flavor.name);
      opts.progress?.(`${r.status.padEnd(11)} ${r.name}: ${r.detail}`);
      return r;
    });
    const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
    return {
      version: 1,
      tool: { name: 'airlock', version: VERSION },
      image: { ref: opts.image, id: imageId },
      flavor,
      runtime: opts.runtime,
      profile: { name: 'standard', limits: DEFAULT_PROFILES.standard },
      startedAt,
      finishedAt: new Date().toISOString(),
      summary: { pass: count('pass'), fail: count('fail'), unavailable: count('unavailable') },
      checks: results,
    };
  } finally {
    if (previous === undefined) delete process.env[FAKE_SECRET_VAR];
    else process.env[FAKE_SECRET_VAR] = previous;
  }
}
