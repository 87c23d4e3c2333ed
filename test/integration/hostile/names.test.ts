import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAirlockError } from '../../../src/errors.js';
import { runGate } from '../../../src/gate/pipeline.js';
import type { GateReport, ScriptReport } from '../../../src/report/types.js';
import {
  type GeneratedEntry,
  generatedBody,
  generatedName,
  loadManifest,
} from '../../helpers/hostile-corpus.js';
import { writeEvidence } from '../../helpers/hostile-evidence.js';
import { hostileGateSettings, type TempWorkspace, tempWorkspace } from '../../helpers/hostile-gate.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * Hostile file names and contents through the whole gate (`runGate`, as `airlock gate`
 * runs it): names that would execute in a shell, look like options, hide their
 * extension or are not UTF-8; contents that crash parsers. Each must be scanned and
 * judged as itself, run (when clean) under its own name with no shell involved, or be
 * refused; never run unassessed, never crash the gate with a non-Airlock error.
 */
const { generated } = loadManifest();
const together = generated.filter((g) => !g.generate.alone);
const alone = generated.filter((g) => g.generate.alone);

/** Files a shell would create if it ever interpreted one of the names. */
const PWNED = ['airlock-pwned-subst', 'airlock-pwned-semi'];

async function writeCase(dir: string, g: GeneratedEntry, outside: string): Promise<void> {
  const name = generatedName(g);
  const target = Buffer.concat([Buffer.from(`${dir}/`), name]);
  if (g.generate.body === 'symlink-outside') {
    await symlink(join(outside, 'secret.py'), target);
  } else {
    await writeFile(target, generatedBody(g.generate.body));
  }
}

function findScript(report: GateReport, g: GeneratedEntry): ScriptReport | undefined {
  if (g.generate.nameHex) {
    // Not valid UTF-8: whatever the report calls it starts with the valid prefix.
    return report.scripts.find((s) => s.path.startsWith('names/caf_'));
  }
  return report.scripts.find((s) => s.path === `names/${g.generate.name}`);
}

function expectedDecisions(g: GeneratedEntry): string[] {
  const d = g.expect.decision;
  return d === undefined ? [] : Array.isArray(d) ? d : [d];
}

describe('hostile file names and contents through the gate', () => {
  let image: string;
  let ws: TempWorkspace;
  let outside: string;
  let canaryHome: string;
  let report: GateReport;
  const savedHome = process.env.HOME;
  const outcomes: Record<string, string> = {};

  beforeAll(async () => {
    image = await ensureTestImage();
    outside = await mkdtemp(join(tmpdir(), 'airlock-outside-'));
    await writeFile(join(outside, 'secret.py'), 'exec("print(1)")\n');
    // `;rm -rf ~;.py`: if any shell ever ran a name, it would remove this HOME.
    canaryHome = await mkdtemp(join(tmpdir(), 'airlock-canary-home-'));
    await writeFile(join(canaryHome, 'canary'), 'still here\n');
    process.env.HOME = canaryHome;
    ws = await tempWorkspace('hostile-names');
    await mkdir(join(ws.dir, 'names'));
    for (const g of together) await writeCase(join(ws.dir, 'names'), g, outside);
    ({ report } = await runGate(hostileGateSettings(ws.dir, image), { progress: () => undefined, env: {} }));
    for (const g of together) outcomes[g.id] = findScript(report, g)?.decision ?? 'absent';
  });

  afterAll(async () => {
    process.env.HOME = savedHome;
    writeEvidence('hostile-names.json', outcomes);
    await ws?.dispose();
    await rm(outside, { recursive: true, force: true });
    await rm(canaryHome, { recursive: true, force: true });
  });

  it.each(together.map((g) => [g.id, g] as const))('%s', (_id, g) => {
    const s = findScript(report, g);
    const decision = s?.decision ?? 'absent';
    expect(expectedDecisions(g), `${JSON.stringify(s?.path)}: ${s?.levelReasons.join('; ')}`).toContain(
      decision,
    );
    if (decision === 'executed') {
      expect(s!.execution?.status).toBe('success');
      // It ran as itself: the script printed its own (odd) name.
      expect(s!.execution?.stdout).toContain(`RAN ${JSON.stringify(g.generate.name).replace(/"/g, "'")}`);
    } else {
      expect(s?.execution).toBeUndefined();
    }
  });

  it('no shell ever interpreted a name', async () => {
    expect(existsSync(join(canaryHome, 'canary'))).toBe(true);
    for (const dir of [ws.dir, join(ws.dir, 'names'), process.cwd(), tmpdir(), canaryHome]) {
      const names = await readdir(dir).catch(() => [] as string[]);
      expect(
        names.filter((n) => PWNED.includes(n)),
        dir,
      ).toEqual([]);
    }
  });

  it('the file outside the workspace was never scanned or run', () => {
    expect(report.scripts.some((s) => s.path.includes('link.py'))).toBe(false);
  });

  it.each(alone.map((g) => [g.id, g] as const))('%s (its own gate run)', async (_id, g) => {
    const own = await tempWorkspace(`hostile-${g.id}`);
    try {
      await mkdir(join(own.dir, 'names'));
      await writeCase(join(own.dir, 'names'), g, outside);
      const paths = g.generate.pathArg ? [g.generate.pathArg] : ['.'];
      let r: GateReport | undefined;
      let code: string | undefined;
      try {
        ({ report: r } = await runGate(hostileGateSettings(own.dir, image, { paths }), {
          progress: () => undefined,
          env: {},
        }));
      } catch (e) {
        // Only Airlock's typed errors are acceptable; anything else is a crash.
        if (!isAirlockError(e)) throw e;
        code = e.code;
      }
      outcomes[g.id] = code ?? findScript(r!, g)?.decision ?? 'absent';
      if (g.expect.error) {
        expect(code).toBe(g.expect.error);
        return;
      }
      expect(code).toBeUndefined();
      const s = findScript(r!, g);
      const scannerFailed = r!.scanners.some((x) => x.status === 'failed');
      if (g.expect.orGateFails && scannerFailed) {
        expect(r!.verdict).toBe('fail');
      } else {
        expect(expectedDecisions(g)).toContain(s?.decision ?? 'absent');
      }
      expect(s?.execution).toBeUndefined();
    } finally {
      await own.dispose();
    }
  });
});
