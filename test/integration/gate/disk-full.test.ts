import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../../src/audit/index.js';
import { main } from '../../../src/cli/main.js';
import { BANDIT_ONLY_POLICY, type TempWorkspace, tempWorkspace } from '../../helpers/hostile-gate.js';
import { ensureTestImage, TEST_IMAGE } from '../../helpers/test-image.js';

/**
 * A full disk where Airlock writes (issue 21, item 3), for real: a small tmpfs mounted
 * where the output directory or the audit log lives (this needs root, as CI and the
 * developer machines have; the mount fails the test otherwise). Every case must end
 * exit 2 with a typed HOST_DISK_FULL line, never exit 3 with a stack; leave no artifact,
 * report or temp file claiming more than happened; and leave no earlier report behind.
 */
let ws: TempWorkspace;
const mounts: string[] = [];

beforeAll(async () => {
  await ensureTestImage();
});
function unmountAll(): void {
  // Lazy (-l) so a file left open by a failing run cannot keep the mount (and the test) alive.
  for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
}
afterEach(async () => {
  unmountAll();
  await ws?.dispose();
});
afterAll(unmountAll);

async function tmpfsAt(dir: string, kib: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0755`, 'tmpfs', dir]);
  mounts.push(dir);
}

/** Fills the filesystem at `dir` until only `leavePages` 4 KiB pages are free. */
async function fill(dir: string, leavePages: number): Promise<string> {
  const s = await statfs(dir);
  const free = s.bavail * s.bsize;
  const filler = join(dir, '.filler');
  await writeFile(filler, Buffer.alloc(free - leavePages * 4096));
  expect((await statfs(dir)).bavail * (await statfs(dir)).bsize).toBe(leavePages * 4096);
  return filler;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isDirectory()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out.sort();
}

async function cli(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(argv, {
    stdout: () => undefined,
    stderr: (t) => {
      stderr += t;
    },
    cwd: ws.dir,
    env: {},
  });
  return { code, stderr };
}

/** Exit 2, the last line the typed cause, no stack. */
function expectDiskFull(r: { code: number; stderr: string }): void {
  const lines = r.stderr.trim().split('\n');
  expect(lines.at(-1)).toMatch(/^airlock: HOST_DISK_FULL: no space left on the device \(ENOSPC\)/);
  expect(lines.filter((l) => /^\s+at /.test(l))).toEqual([]);
  expect(r.code).toBe(2);
}

const GATE = ['gate', '--policy', BANDIT_ONLY_POLICY, '--image', TEST_IMAGE];
const EARLIER_REPORT = '{"verdict":"pass","note":"an earlier run"}\n';

describe('the output directory fills up', () => {
  it('an 8 MiB artifact on a 512 KiB disk: HOST_DISK_FULL, no partial artifact, no report, no earlier report, an honest log', async () => {
    ws = await tempWorkspace('diskfull-artifact');
    await writeFile(
      join(ws.dir, 'big.py'),
      'import os\nwith open(os.path.join(os.environ["AIRLOCK_OUTPUT_DIR"], "big.bin"), "wb") as f:\n    f.write(b"x" * (8 * 1024 * 1024))\nprint("wrote")\n',
    );
    await tmpfsAt(join(ws.dir, '.airlock'), 512);
    await mkdir(join(ws.dir, '.airlock', 'out'));
    await writeFile(join(ws.dir, '.airlock', 'out', 'report.json'), EARLIER_REPORT);

    const r = await cli([...GATE, '--audit-log', 'audit/audit.log', 'big.py']);
    expectDiskFull(r);
    expect(r.stderr).toMatch(/HOST_DISK_FULL: .* writing artifact "big\.bin"/);
    // Nothing on the full disk: not the truncated big.bin, not a report, not the earlier one.
    expect(await filesUnder(join(ws.dir, '.airlock'))).toEqual([]);

    // The log (on another disk) verifies and claims no execution for big.py, and says why the run ended.
    const log = join(ws.dir, 'audit', 'audit.log');
    await verifyAuditLog({ log });
    const entries = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries.filter((e) => e.kind === 'execution')).toEqual([]);
    expect(entries.at(-1)).toMatchObject({ kind: 'run.end', data: { verdict: 'error' } });
    expect(entries.at(-1).data.error).toMatch(/no space left on the device/);
  }, 180_000);

  it('a disk too full for the report: HOST_DISK_FULL, no temp file, and the next run with room succeeds', async () => {
    ws = await tempWorkspace('diskfull-report');
    await writeFile(join(ws.dir, 'ok.py'), 'print("ok")\n');
    await tmpfsAt(join(ws.dir, '.airlock'), 64);
    await mkdir(join(ws.dir, '.airlock', 'out'));
    await writeFile(join(ws.dir, '.airlock', 'out', 'report.json'), EARLIER_REPORT);
    // Room for the lock file, the run's marker and the SARIF (a page each, the earlier
    // report's page freed at the start), none for the report.
    const filler = await fill(join(ws.dir, '.airlock'), 2);
    const r = await cli(['scan', '--policy', BANDIT_ONLY_POLICY, '--image', TEST_IMAGE, 'ok.py']);
    expectDiskFull(r);
    // Named as the user knows it, not by the run's temporary directory.
    expect(r.stderr).toContain(`writing ${join(ws.dir, '.airlock', 'out', 'report.json')}:`);
    expect(await filesUnder(join(ws.dir, '.airlock'))).toEqual(['.filler']);

    await rm(filler);
    const again = await cli(['scan', '--policy', BANDIT_ONLY_POLICY, '--image', TEST_IMAGE, 'ok.py']);
    expect(again.code).toBe(0);
    expect(JSON.parse(await readFile(join(ws.dir, '.airlock', 'out', 'report.json'), 'utf8'))).toMatchObject({
      verdict: 'pass',
      scripts: [{ path: 'ok.py' }],
    });
  }, 180_000);

  it('a disk with no room even for the lock: HOST_DISK_FULL, and the earlier report is gone', async () => {
    ws = await tempWorkspace('diskfull-lock');
    await writeFile(join(ws.dir, 'ok.py'), 'print("ok")\n');
    await tmpfsAt(join(ws.dir, '.airlock'), 64);
    await mkdir(join(ws.dir, '.airlock', 'out'));
    await writeFile(join(ws.dir, '.airlock', 'out', 'report.json'), EARLIER_REPORT);
    await fill(join(ws.dir, '.airlock'), 0);
    const r = await cli([...GATE, 'ok.py']);
    expectDiskFull(r);
    expect(existsSync(join(ws.dir, '.airlock', 'out', 'report.json'))).toBe(false);
  }, 180_000);
});

describe('the staging disk fills up', () => {
  it('HOST_DISK_FULL, no report, the staged copy gone, the audit log closed and unlocked', async () => {
    ws = await tempWorkspace('diskfull-stage');
    // A script bigger than the staging disk: its staged copy cannot be written.
    await writeFile(join(ws.dir, 'big.py'), `# ${'x'.repeat(200_000)}\nprint("ok")\n`);
    const stageTmp = join(ws.dir, 'stage-tmp');
    await tmpfsAt(stageTmp, 64);
    const before = process.env.TMPDIR;
    process.env.TMPDIR = stageTmp; // os.tmpdir(), where the stage is made, reads it on each call
    try {
      const r = await cli([...GATE, '--audit-log', 'audit/audit.log', 'big.py']);
      expectDiskFull(r);
      expect(r.stderr).toContain(`writing the staged copy of the scripts in ${stageTmp} (TMPDIR)`);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
    expect(await filesUnder(stageTmp)).toEqual([]);
    expect(existsSync(join(ws.dir, '.airlock', 'out'))).toBe(false);
    // The log was closed on an entry that says why, and its lock released.
    expect(existsSync(join(ws.dir, 'audit', 'audit.log.lock'))).toBe(false);
    await verifyAuditLog({ log: join(ws.dir, 'audit', 'audit.log') });
    const last = JSON.parse(
      (await readFile(join(ws.dir, 'audit', 'audit.log'), 'utf8')).trim().split('\n').at(-1)!,
    );
    expect(last).toMatchObject({ kind: 'run.end', data: { verdict: 'error' } });
  }, 180_000);
});

describe('a read-only filesystem where the output goes', () => {
  it('HOST_READ_ONLY, exit 2, before anything runs', async () => {
    ws = await tempWorkspace('readonly-out');
    await writeFile(join(ws.dir, 'ok.py'), 'print("ok")\n');
    await mkdir(join(ws.dir, '.airlock'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', join(ws.dir, '.airlock')]);
    mounts.push(join(ws.dir, '.airlock'));
    const r = await cli([...GATE, 'ok.py']);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^airlock: HOST_READ_ONLY: the filesystem is read-only \(EROFS\)/,
    );
    expect(r.code).toBe(2);
  });
});

describe('the audit log’s disk fills up', () => {
  it('HOST_DISK_FULL, the lock released, no report; with room again the next run extends a log that verifies', async () => {
    ws = await tempWorkspace('diskfull-audit');
    await writeFile(join(ws.dir, 'ok.py'), 'print("ok")\n');
    const auditDir = join(ws.dir, 'audit');
    await tmpfsAt(auditDir, 64);
    // One page: the lock file takes it, the first entry finds none.
    const filler = await fill(auditDir, 1);
    const r = await cli([...GATE, '--audit-log', 'audit/audit.log', 'ok.py']);
    expectDiskFull(r);
    expect(existsSync(join(auditDir, 'audit.log.lock'))).toBe(false);
    expect(existsSync(join(ws.dir, '.airlock', 'out'))).toBe(false);

    await rm(filler);
    const again = await cli([...GATE, '--audit-log', 'audit/audit.log', 'ok.py']);
    expect(again.code).toBe(0);
    const v = await verifyAuditLog({ log: join(auditDir, 'audit.log') });
    expect(v.tornTailBytes).toBe(0);
    const kinds = (await readFile(join(auditDir, 'audit.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).kind);
    expect(kinds).toContain('execution');
    expect(kinds.at(-1)).toBe('run.end');
  }, 180_000);
});
