import { readFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { runGate } from '../../src/gate/pipeline.js';
import { DEFAULT_LOCAL_IMAGE } from '../../src/image/build-image.js';
import { findImagesDir } from '../../src/image/image-metadata.js';
import { LOCK_FILE, parseLock } from '../../src/image/wheelhouse.js';
import type { GateReport } from '../../src/report/types.js';
import { hostileGateSettings, tempWorkspace } from './hostile-gate.js';

/**
 * `airlock scan` as a user runs it: the real pipeline (discover, stage, Bandit and
 * Semgrep in the shipped sandbox image under the hardened flags, assess with the
 * shipped default policy), over a throwaway copy of `dir`. Nothing runs.
 */
export async function shippedScan(dir: string, category: string): Promise<GateReport> {
  const ws = await tempWorkspace(category);
  try {
    await cp(dir, ws.dir, { recursive: true });
    // policy: undefined = the shipped default (the helper's own default is Bandit-only).
    const settings = hostileGateSettings(ws.dir, DEFAULT_LOCAL_IMAGE, {
      mode: 'scan',
      sarifCategory: category,
      policy: undefined,
    });
    const { report } = await runGate(settings, { progress: () => undefined, env: {} });
    return report;
  } finally {
    await ws.dispose();
  }
}

/** Both scanners completed, at the versions pinned in images/python/requirements.lock. */
export function expectBothScannersRan(report: GateReport): void {
  const lock = parseLock(readFileSync(path.join(findImagesDir(), LOCK_FILE), 'utf8'));
  for (const tool of ['bandit', 'semgrep'] as const) {
    const s = report.scanners.find((x) => x.tool === tool);
    expect(s, `${tool} status`).toMatchObject({
      status: 'ran',
      version: lock.find((p) => p.name === tool)?.version,
    });
  }
}
