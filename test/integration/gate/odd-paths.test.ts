import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGate } from '../../../src/gate/pipeline.js';
import type { GateReport } from '../../../src/report/types.js';
import { hostileGateSettings, type TempWorkspace, tempWorkspace } from '../../helpers/hostile-gate.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * One odd path fails only itself: a folder name with a comma (which `docker --mount`
 * CSV cannot take as is) runs normally, a name that is not UTF-8 is left out with a
 * reason, the other scripts run and the report is written; the stage is removed.
 */
const POLICY = 'version: 1\nextends: default\nscanners:\n  semgrep:\n    mode: off\n';

describe('odd paths through the gate (real engine)', () => {
  let ws: TempWorkspace;
  let privateTmp: string;
  let report: GateReport;
  const savedTmp = process.env.TMPDIR;

  beforeAll(async () => {
    const image = await ensureTestImage();
    ws = await tempWorkspace('odd-paths');
    // The stage goes under os.tmpdir(): a private one shows whether anything is left.
    privateTmp = await mkdtemp(join(tmpdir(), 'airlock-odd-tmp-'));
    process.env.TMPDIR = privateTmp;
    const w = (rel: string | Buffer, body: string) =>
      writeFile(Buffer.concat([Buffer.from(`${ws.dir}/`), Buffer.from(rel)]), body);
    await mkdir(join(ws.dir, '.airlock'));
    await w('.airlock/policy.yml', POLICY);
    await mkdir(join(ws.dir, 'ok'));
    await w('ok/a.py', 'print("A RAN")\n');
    // A data file in a plain folder whose name is not UTF-8 ("caf\xff\xfe.csv").
    await w(Buffer.from('6f6b2f636166fffe2e637376', 'hex'), 'x\n');
    await mkdir(join(ws.dir, 'odd,dir'));
    await w('odd,dir/b.py', 'print(open("in.csv").read().strip(), "B RAN")\n');
    await w('odd,dir/in.csv', 'b-input');
    // A script in a folder whose name is not UTF-8: it cannot be addressed, so not gated.
    await mkdir(Buffer.concat([Buffer.from(`${ws.dir}/`), Buffer.from('6361665f78fffe', 'hex')]));
    await w(Buffer.from('6361665f78fffe2f632e7079', 'hex'), 'print("C RAN")\n');
    const settings = hostileGateSettings(ws.dir, image, { policy: join(ws.dir, '.airlock/policy.yml') });
    ({ report } = await runGate(settings, { progress: () => undefined, env: {} }));
  });

  afterAll(async () => {
    process.env.TMPDIR = savedTmp;
    await ws?.dispose();
    await rm(privateTmp, { recursive: true, force: true });
  });

  it('the script in a folder with a comma runs, with its data', () => {
    const b = report.scripts.find((s) => s.path === 'odd,dir/b.py');
    expect(b?.execution?.status, b?.execution?.stderr).toBe('success');
    expect(b?.execution?.stdout).toContain('b-input B RAN');
  });

  it('a data file with a non-UTF-8 name beside a script is left out, and the script runs', () => {
    const a = report.scripts.find((s) => s.path === 'ok/a.py');
    expect(a?.execution?.status, a?.execution?.stderr).toBe('success');
    expect(report.notices.join('\n')).toMatch(/not staged \(name is not valid UTF-8\): "ok\/caf/);
  });

  it('the folder whose name is not UTF-8 is not gated, which fails the gate with the reason', () => {
    expect(report.scripts.map((s) => s.path).sort()).toEqual(['odd,dir/b.py', 'ok/a.py']);
    expect(report.notices.join('\n')).toMatch(/caf_x.*folder name is not valid UTF-8/);
    expect(report.verdict).toBe('fail');
    expect(report.verdictReasons).toEqual([
      expect.stringMatching(/^"caf_x.*\/": not gated: folder name is not valid UTF-8/),
    ]);
  });

  it('leaves no stage directory behind', async () => {
    expect(await readdir(privateTmp)).toEqual([]);
  });
});
