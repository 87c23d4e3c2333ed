import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CappedBuffer, type OutputCapture, tryRunCommand } from '../../../src/exec/run-command.js';
import { isEngineFailure } from '../../../src/sandbox/container-engine.js';
import { type ContainerSpec, containerSpecFor } from '../../../src/sandbox/container-spec.js';
import { newContainerIds } from '../../../src/sandbox/containers.js';
import { FramedStdout } from '../../../src/sandbox/copy-out-frame.js';
import { DockerEngine } from '../../../src/sandbox/docker-engine.js';
import { localEngineSocket } from '../../../src/sandbox/engine-api.js';
import { copyOutExec, type ExecConfig, scriptExec } from '../../../src/sandbox/exec-config.js';
import { renderRunArgv } from '../../../src/sandbox/render-run-argv.js';
import { extractTar } from '../../../src/sandbox/tar-extract.js';
import type { HardenedRunSpec } from '../../../src/sandbox/types.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel, specFor } from './helpers.js';

/**
 * DockerEngine against the real engine: what each call does and the typed outcome of
 * each way it can go wrong. The engine is also the judge of the two renderings: the
 * container created through the API and the one `docker run` makes from renderRunArgv
 * must be the same container (`docker inspect`, field by field).
 */

const LABEL = 'org.airlock.it-docker-engine';
const engine = new DockerEngine(localEngineSocket() ?? '/var/run/docker.sock');
let image: string;
let run: HardenedRunSpec;
let keeper: ContainerSpec;
const made: string[] = [];

function newSpec(r: HardenedRunSpec = run): ContainerSpec {
  const spec = containerSpecFor(r, newContainerIds('docker-engine'), 5);
  made.push(spec.name);
  return spec;
}

async function started(spec: ContainerSpec): Promise<string> {
  const id = await engine.create(spec);
  await engine.start(id);
  return id;
}

const sh = (script: string): ExecConfig => ({
  user: { uid: 10001, gid: 10001 },
  workdir: '/work',
  cmd: ['sh', '-c', script],
});

async function exec(name: string, cfg: ExecConfig, out: OutputCapture = new CappedBuffer(1024 * 1024)) {
  const err = new CappedBuffer(1024 * 1024);
  const r = await engine.exec(name, cfg, { stdout: (c) => out.push(c), stderr: (c) => err.push(c) });
  return { exitCode: r.exitCode, stdout: out.toString(), stderr: err.toString() };
}

/** The extracted files of an output tar: path -> base64 of the bytes. */
async function files(tar: Buffer): Promise<Record<string, string>> {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'airlock-it-tar-')), 'out');
  const ex = await extractTar(tar, dir, { maxFiles: 10, maxBytes: 1024 * 1024 });
  return Object.fromEntries(
    ex.artifacts.map((a) => [a.path, readFileSync(path.join(dir, a.path)).toString('base64')]),
  );
}

async function inspect(name: string): Promise<Record<string, unknown>> {
  const r = await tryRunCommand('docker', ['inspect', name]);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0] as Record<string, unknown>;
}

/** Engine defaults the CLI sends explicitly and the API leaves unset: [] / {} / null alike; order ignored. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) {
    if (v.length === 0) return null;
    const items = v.map(normalise);
    return items.every((x) => typeof x === 'string')
      ? [...(items as string[])].sort()
      : items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return null;
    return Object.fromEntries(
      entries.map(([k, x]) => [k, normalise(x)]).sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  }
  return v;
}

beforeAll(async () => {
  image = await ensureTestImage();
  run = specFor(image, LABEL, 'print(1)\n', { collect: true, env: { EXTRA_VAR: 'x y' } });
  keeper = newSpec();
  await started(keeper);
});

afterAll(async () => {
  for (const n of made) await engine.remove(n);
  expect(await containersWithLabel(LABEL)).toEqual([]);
});

describe('the two renderings make the same container', () => {
  it('API create (renderCreateRequest) and `docker run` (renderRunArgv): same Config, HostConfig, mounts', async () => {
    const viaApi = newSpec();
    const viaCli = newSpec();
    const id = await started(viaApi);
    const cli = await tryRunCommand('docker', renderRunArgv(viaCli), { timeoutMs: 120_000 });
    expect(cli.exitCode, cli.stderr).toBe(0);
    const a = await inspect(viaCli.name);
    const b = await inspect(viaApi.name);
    expect(b.Id).toBe(id);
    expect((b.State as { Running: boolean }).Running).toBe(true);
    expect(normalise(b.Config)).toEqual(normalise(a.Config));
    expect(normalise(b.HostConfig)).toEqual(normalise(a.HostConfig));
    const mounts = (x: Record<string, unknown>) =>
      normalise(
        (x.Mounts as Record<string, unknown>[]).map(({ Source, Destination, RW, Type }) => ({
          Source,
          Destination,
          RW,
          Type,
        })),
      );
    expect(mounts(b)).toEqual(mounts(a));
    expect([b.Path, b.Args]).toEqual([a.Path, a.Args]);
    // Spot checks that the comparison is about the hardening, not two empty objects.
    const h = b.HostConfig as Record<string, unknown>;
    expect(h).toMatchObject({
      CapDrop: ['ALL'],
      ReadonlyRootfs: true,
      NetworkMode: 'none',
      PidsLimit: run.limits.pids,
    });
    expect(h.Memory).toBe(run.limits.memoryMb * 1024 * 1024);
  });

  it('mounts a host directory whose name has a comma and a quote (structured mounts take any path)', async () => {
    const odd = specFor(image, LABEL, 'print(1)\n');
    const dir = path.join(odd.workDir, 'a,readonly=false "q"');
    await import('node:fs/promises').then(async (fs) => {
      await fs.mkdir(dir, { mode: 0o755 });
      await fs.chmod(dir, 0o755);
      await fs.writeFile(path.join(dir, 'x.txt'), 'inside\n', { mode: 0o644 });
    });
    const spec = newSpec({ ...odd, workDir: dir });
    await started(spec);
    const r = await exec(spec.name, sh('cat /work/x.txt; touch /work/y 2>/dev/null || echo read-only'));
    expect(r).toMatchObject({ exitCode: 0, stdout: 'inside\nread-only\n' });
  });
});

describe('typed outcomes, never text', () => {
  it('a missing image is image-missing (never pulled); an unknown runtime is runtime-missing', async () => {
    const noImage = newSpec({ ...run, sandbox: { ...run.sandbox, image: 'airlock-no-such-image:never' } });
    await expect(engine.create(noImage)).rejects.toSatisfy((e) => isEngineFailure(e, 'image-missing'));
    const noRuntime = { ...newSpec(), runtime: 'airlock-no-such-runtime' as 'runc' };
    await expect(engine.create(noRuntime)).rejects.toSatisfy((e) => isEngineFailure(e, 'runtime-missing'));
  });

  it('a command that cannot start is exec-failed; a script that prints the same words and exits 126 is just exit 126', async () => {
    await expect(exec(keeper.name, { ...sh(''), cmd: ['/no/such/binary'] })).rejects.toSatisfy((e) =>
      isEngineFailure(e, 'exec-failed'),
    );
    const forged = await exec(
      keeper.name,
      sh(
        'echo "OCI runtime exec failed: exec failed: unable to start container process" >&2; echo "Error response from daemon: x" >&2; exit 126',
      ),
    );
    expect(forged.exitCode).toBe(126);
    expect(forged.stderr).toContain('OCI runtime exec failed');
  });

  it('a container that does not exist is container-missing; an engine that does not answer is engine-gone', async () => {
    await expect(exec('airlock-no-such-container-x', sh('true'))).rejects.toSatisfy((e) =>
      isEngineFailure(e, 'container-missing'),
    );
    const gone = new DockerEngine('/nonexistent/airlock-engine.sock');
    expect(await gone.ping()).toBe(false);
    await expect(gone.create(newSpec())).rejects.toSatisfy((e) => isEngineFailure(e, 'engine-gone'));
    expect(await engine.ping()).toBe(true);
  });

  it('output: streams kept apart, the exit status, bytes beyond the cap counted', async () => {
    expect(await exec(keeper.name, sh('printf out; printf err >&2; exit 3'))).toEqual({
      exitCode: 3,
      stdout: 'out',
      stderr: 'err',
    });
    const capped = new CappedBuffer(1000);
    await exec(keeper.name, sh('head -c 50000 /dev/zero'), capped);
    expect([capped.truncated, capped.total]).toEqual([true, 50_000]);
  });
});

describe('copy-out', () => {
  it('the launcher (runc) and the tar exec (runsc) bring the same files out, byte for byte', async () => {
    const w = await exec(
      keeper.name,
      sh(
        'rm -rf /out/* && head -c 70000 /dev/urandom > /out/random.bin && printf "r\\303\\251sum\\351" > "/out/odd name.txt"',
      ),
    );
    expect(w.exitCode).toBe(0);
    const framed = new FramedStdout(1024 * 1024, 1024 * 1024);
    const launched = await exec(
      keeper.name,
      scriptExec({ ...run, command: ['sh', '-c', 'printf "out\\n"; exit 4'] }, keeper),
      framed,
    );
    expect(launched.exitCode).toBe(4);
    const frame = framed.archive();
    if (!frame.ok) throw new Error(frame.problem);
    const tar = await engine.copyOut(keeper.name, copyOutExec(keeper), 1024 * 1024, 60_000);
    expect([tar.exitCode, tar.truncated]).toEqual([0, false]);
    const fromTar = await files(tar.data);
    expect(Object.keys(fromTar).sort()).toEqual(['odd name.txt', 'random.bin']);
    expect(await files(frame.archive)).toEqual(fromTar);
    const capped = await engine.copyOut(keeper.name, copyOutExec(keeper), 10_000, 60_000);
    expect([capped.truncated, capped.data.length]).toEqual([true, 10_000]);
  });

  it('the launcher ends what the script left running before it archives, so nothing outlives the exec (runc)', async () => {
    const framed = new FramedStdout(1024 * 1024, 1024 * 1024);
    // The background writer would keep appending to /out for ever.
    const cfg = scriptExec(
      {
        ...run,
        command: [
          'sh',
          '-c',
          'rm -rf /out/*; (while :; do echo tick >> /out/ticks.txt; sleep 0.05; done) & sleep 0.3; echo done',
        ],
      },
      keeper,
    );
    const r = await exec(keeper.name, cfg, framed);
    expect(r.exitCode).toBe(0);
    const frame = framed.archive();
    if (!frame.ok) throw new Error(frame.problem);
    const ticks = Buffer.from((await files(frame.archive))['ticks.txt'] ?? '', 'base64').toString();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = await exec(
      keeper.name,
      sh('cat /out/ticks.txt; ps -o comm= -u 10001 | grep -c sleep || true'),
    );
    // The file stopped growing before the archive was made, and no writer of the script's uid is left.
    expect(after.stdout).toBe(`${ticks}0\n`);
  });
});

describe('lifecycle', () => {
  it('inspect, kill, wait, remove; removing an absent container is gone too', async () => {
    const spec = newSpec();
    await started(spec);
    expect(await engine.inspect(spec.name)).toEqual({ running: true, oomKilled: false });
    await engine.kill(spec.name);
    await engine.wait(spec.name);
    expect(await engine.inspect(spec.name)).toEqual({ running: false, oomKilled: false });
    // Listed with its labels while it exists, stopped or not (the orphan sweep reads them).
    const [label] = Object.keys(spec.labels);
    const listed = await engine.listContainers(label as string);
    // (The image's own labels come along: Docker merges them into the container's.)
    expect(listed.find((c) => c.name === spec.name)?.labels).toMatchObject(spec.labels);
    expect(await engine.remove(spec.name)).toBe(true);
    expect(await engine.inspect(spec.name)).toBeNull();
    expect((await engine.listContainers(label as string)).map((c) => c.name)).not.toContain(spec.name);
    expect(await engine.remove(spec.name)).toBe(true);
    expect(await engine.imageId(image)).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(await engine.imageId('airlock-no-such-image:never')).toBeNull();
  });
});
