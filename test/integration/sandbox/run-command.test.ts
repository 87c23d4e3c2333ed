import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultEngine } from '../../../src/sandbox/docker-engine.js';
import { requireEngineRuntime, requireEngineUp } from '../../../src/sandbox/engine-ready.js';
import { runCli } from '../../helpers/cli-capture.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel } from './helpers.js';

let image: string;
let ws: string;

beforeAll(async () => {
  image = await ensureTestImage();
  ws = mkdtempSync(path.join(tmpdir(), 'airlock-run-ws-'));
  chmodSync(ws, 0o755);
  mkdirSync(path.join(ws, 'analysis'), { mode: 0o755 });
  writeFileSync(
    path.join(ws, 'analysis', 'ok.py'),
    'import os\nopen(os.path.join(os.environ["AIRLOCK_OUTPUT_DIR"], "r.csv"), "w").write("a\\n1\\n")\nprint("done")\n',
  );
  writeFileSync(path.join(ws, 'analysis', 'fails.py'), 'raise SystemExit(3)\n');
  writeFileSync(path.join(ws, '-c.py'), 'print("dash")\n');
  symlinkSync('/etc/hostname', path.join(ws, 'escape.py'));
});

afterAll(async () => {
  // `airlock run` uses the product's label; none owned by this process may remain.
  expect(await containersWithLabel(`org.airlock.owner-pid=${process.pid}`)).toEqual([]);
});

async function cli(...argv: string[]) {
  return runCli(argv, ws);
}

describe('airlock run', () => {
  it('exit 0 on success, prints the output, copies artifacts, writes the report', async () => {
    const r = await cli('run', 'analysis/ok.py', '--image', image, '--out', 'o1', '--report', 'r1.json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('done\n');
    expect(readFileSync(path.join(ws, 'o1', 'r.csv'), 'utf8')).toBe('a\n1\n');
    const rep = JSON.parse(readFileSync(path.join(ws, 'r1.json'), 'utf8'));
    expect(rep.scripts[0]).toMatchObject({
      path: 'analysis/ok.py',
      decision: 'executed',
      execution: { status: 'success', exitCode: 0, artifacts: [{ path: 'r.csv', bytes: 4 }] },
    });
    expect(rep.scripts[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rep.image.id).toMatch(/^sha256:/);
    expect(rep.profile.name).toBe('standard');
  });

  it('exit 1 when the script fails; --profile restricted is applied', async () => {
    const r = await cli(
      'run',
      'analysis/fails.py',
      '--image',
      image,
      '--out',
      'o2',
      '--profile',
      'restricted',
      '--report',
      'r2.json',
    );
    expect(r.code).toBe(1);
    const rep = JSON.parse(readFileSync(path.join(ws, 'r2.json'), 'utf8'));
    expect(rep.scripts[0].execution).toMatchObject({ status: 'failure', exitCode: 3, profile: 'restricted' });
    expect(rep.profile.limits.memoryMb).toBe(512);
  });

  it('a script named like an option is still a file (argv, --)', async () => {
    const r = await cli('run', '--image', image, '--out', 'o3', '--', '-c.py');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('dash\n');
  });

  it('exit 2 for a symlink leaving the workspace, a path outside it, a missing image, bad flags', async () => {
    expect((await cli('run', 'escape.py', '--image', image)).stderr).toMatch(/PATH_OUTSIDE_WORKSPACE/);
    expect((await cli('run', '../../etc/passwd', '--image', image)).code).toBe(2);
    const missing = await cli('run', 'analysis/ok.py', '--image', 'airlock-absent:none', '--out', 'o4');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/IMAGE_MISSING/);
    expect((await cli('run', 'analysis/ok.py', '--runtime', 'kata')).code).toBe(2);
    expect((await cli('run', 'analysis/ok.py', '--profile', 'nope', '--image', image)).code).toBe(2);
    expect((await cli('run')).code).toBe(2);
  });
});

describe('the engine checks before a run (src/sandbox/engine-ready.ts)', () => {
  it('the engine answers and has runc and runsc (registered here); an unknown runtime is DOCKER_UNAVAILABLE', async () => {
    const engine = defaultEngine();
    await requireEngineUp(engine);
    expect(await engine.runtimes()).toEqual(expect.arrayContaining(['runc', 'runsc']));
    await expect(requireEngineRuntime(engine, 'kata')).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
  });

  it('an unreachable engine (DOCKER_HOST) is DOCKER_UNAVAILABLE naming the socket', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/airlock-test.sock';
    try {
      const e = await requireEngineUp(defaultEngine()).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
      expect((e as Error).message).toContain('unix:///nonexistent/airlock-test.sock');
      expect((await cli('run', 'analysis/ok.py')).code).toBe(2);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
