import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { captureFromContainer, execInContainer } from '../../../src/sandbox/container-exec.js';
import { FramedStdout } from '../../../src/sandbox/copy-out-frame.js';
import { newContainerIds } from '../../../src/sandbox/containers.js';
import {
  buildDockerRunArgs,
  copyOutExec,
  type ExecConfig,
  scriptExec,
} from '../../../src/sandbox/docker-args.js';
import { removeContainer } from '../../../src/sandbox/docker.js';
import { localEngine, resetLocalEngine } from '../../../src/sandbox/engine-api.js';
import { extractTar } from '../../../src/sandbox/tar-extract.js';
import type { HardenedRunSpec } from '../../../src/sandbox/types.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel, specFor } from './helpers.js';

/**
 * The gate execs scripts through the engine's socket where it can, and through the
 * docker CLI where it cannot (a remote engine, a context). Both paths must give the
 * same result for everything a script or the engine can do, so each case here runs
 * through both, against one real hardened container, and the answers are compared.
 */

const LABEL = 'org.airlock.it-container-exec';
let image: string;
let spec: HardenedRunSpec;
let name: string;

async function startKeeper(): Promise<string> {
  const ids = newContainerIds('container-exec');
  const r = await tryRunCommand('docker', buildDockerRunArgs(spec, ids, 0), { timeoutMs: 120_000 });
  if (r.exitCode !== 0) throw new Error(`docker run failed: ${r.stderr}`);
  return ids.name;
}

function useCli(cli: boolean): void {
  if (cli) process.env.AIRLOCK_DOCKER_CLI = '1';
  else delete process.env.AIRLOCK_DOCKER_CLI;
  resetLocalEngine();
}

async function both<T>(run: () => Promise<T>): Promise<{ api: T; cli: T }> {
  useCli(false);
  expect(
    await localEngine(),
    'the engine socket is reachable here, so the API path is what runs',
  ).not.toBeNull();
  const api = await run();
  useCli(true);
  expect(await localEngine()).toBeNull();
  const cli = await run();
  useCli(false);
  return { api, cli };
}

const sh = (script: string): ExecConfig => ({
  user: '10001:10001',
  workdir: '/work',
  cmd: ['sh', '-c', script],
});

/** The extracted files of an output tar: path -> base64 of the bytes. */
async function files(tar: Buffer): Promise<Record<string, string>> {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'airlock-it-tar-')), 'out');
  const ex = await extractTar(tar, dir, { maxFiles: 10, maxBytes: 1024 * 1024 });
  return Object.fromEntries(
    ex.artifacts.map((a) => [a.path, readFileSync(path.join(dir, a.path)).toString('base64')]),
  );
}

/** Leaves exactly two files in /out: 70,000 random bytes, and a name with a space and non-ASCII bytes. */
async function writeOutputFiles(): Promise<void> {
  const write = await execInContainer(
    name,
    sh(
      'rm -rf /out/* && head -c 70000 /dev/urandom > /out/random.bin && printf "r\\303\\251sum\\351" > "/out/odd name.txt"',
    ),
  );
  expect(write.exitCode).toBe(0);
}

beforeAll(async () => {
  image = await ensureTestImage();
  spec = specFor(image, LABEL, 'print(1)\n', { collect: true });
  name = await startKeeper();
});

afterEach(() => useCli(false));

afterAll(async () => {
  await removeContainer(name);
  expect(await containersWithLabel(LABEL)).toEqual([]);
});

describe('execInContainer: the engine socket and the docker CLI agree', () => {
  it('on output, stream separation and exit status', async () => {
    const { api, cli } = await both(() =>
      execInContainer(name, sh('printf "out\\n"; printf "err \\303\\251\\n" >&2; id -u; pwd; exit 3')),
    );
    expect(api.exitCode).toBe(3);
    expect(api.stdout).toBe('out\n10001\n/work\n');
    expect(api.stderr).toBe('err é\n');
    for (const k of ['exitCode', 'stdout', 'stderr', 'stdoutBytes', 'stderrBytes', 'timedOut'] as const) {
      expect(api[k], k).toEqual(cli[k]);
    }
    expect(api.args).toEqual(cli.args);
  });

  it('on output beyond the cap: kept up to the cap, all of it counted', async () => {
    const flood = sh('head -c 3000000 /dev/zero | tr "\\0" a; head -c 200000 /dev/zero | tr "\\0" b >&2');
    const { api, cli } = await both(() => execInContainer(name, flood, { maxOutputBytes: 100_000 }));
    expect(api.stdout.length).toBe(100_000);
    expect(api.stdoutBytes).toBe(3_000_000);
    expect(api.stdoutTruncated).toBe(true);
    expect(api.stderrBytes).toBe(200_000);
    for (const k of [
      'exitCode',
      'stdout',
      'stderrBytes',
      'stdoutBytes',
      'stdoutTruncated',
      'stderrTruncated',
    ] as const) {
      expect(api[k], k).toEqual(cli[k]);
    }
  });

  it("on a command that cannot start: 126/127 and the engine's message, on stdout as the CLI has it", async () => {
    const missing: ExecConfig = { user: '10001:10001', cmd: ['no-such-command-here'] };
    const { api, cli } = await both(() => execInContainer(name, missing));
    expect(api.exitCode).toBe(cli.exitCode);
    expect([126, 127]).toContain(api.exitCode);
    expect(api.stdout).toMatch(/^OCI runtime exec failed: .*no-such-command-here/m);
    expect(api.stdout).toBe(cli.stdout);
    expect(api.stderr).toBe(cli.stderr);
  });

  it('on a container that does not exist: exit 1, "No such container"', async () => {
    const { api, cli } = await both(() => execInContainer('airlock-no-such-container-x', sh('true')));
    expect(api.exitCode).toBe(1);
    expect(cli.exitCode).toBe(1);
    expect(api.stderr).toMatch(/^Error response from daemon: No such container: airlock-no-such-container-x/);
    expect(cli.stderr).toMatch(/^Error response from daemon: No such container: airlock-no-such-container-x/);
  });

  it('on a timeout: timedOut, no exit code, onTimeout called, output so far kept', async () => {
    const { api, cli } = await both(async () => {
      let called = 0;
      const r = await execInContainer(name, sh('echo started; exec sleep 30'), {
        timeoutMs: 1500,
        onTimeout: () => {
          called += 1;
        },
      });
      return { ...r, called };
    });
    // (The killed CLI client's own exit status is whatever it chose; only the API's is defined.)
    expect(api.exitCode).toBeNull();
    for (const r of [api, cli]) {
      expect(r.timedOut).toBe(true);
      expect(r.called).toBe(1);
      expect(r.stdout).toBe('started\n');
      expect(r.durationMs).toBeLessThan(20_000);
    }
  });

  it("rejects with an AbortError when the caller's signal fires, as an aborted docker child does", async () => {
    const { api, cli } = await both(async () => {
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 500);
      return execInContainer(name, sh('exec sleep 30'), { signal: abort.signal }).then(
        () => 'resolved',
        (e: Error) => e.name,
      );
    });
    expect(api).toBe('AbortError');
    expect(cli).toBe('AbortError');
  });
});

describe('the copy-out launcher: script and output archive in one exec', () => {
  const launched = (script: string) => scriptExec({ ...spec, command: ['sh', '-c', script] });

  it('brings the same files out through either path, byte for byte, and the script output unchanged', async () => {
    await writeOutputFiles();
    const { api, cli } = await both(async () => {
      const framed = new FramedStdout(1024 * 1024, 1024 * 1024);
      const r = await execInContainer(name, launched('printf "out\\n"; printf "err\\n" >&2; exit 4'), {
        stdoutCapture: framed,
      });
      return { r, frame: framed.archive() };
    });
    for (const { r, frame } of [api, cli]) {
      // Exactly what a plain exec of the script gives: its status, its stdout, its stderr.
      expect(r.exitCode).toBe(4);
      expect(r.stdout).toBe('out\n');
      expect(r.stdoutBytes).toBe(4);
      expect(r.stderr).toBe('err\n');
      expect(frame.ok).toBe(true);
    }
    if (!api.frame.ok || !cli.frame.ok) throw new Error('unreachable');
    expect(api.frame.tarExitCode).toBe(0);
    const fromApi = await files(api.frame.archive);
    expect(Object.keys(fromApi).sort()).toEqual(['odd name.txt', 'random.bin']);
    expect(Buffer.from(fromApi['random.bin'] as string, 'base64').length).toBe(70_000);
    expect(fromApi).toEqual(await files(cli.frame.archive));
  });

  it('ends what the script left running before it archives, so nothing outlives the exec', async () => {
    const { api, cli } = await both(async () => {
      const framed = new FramedStdout(1024 * 1024, 1024 * 1024);
      // The background writer would keep appending to /out (and stdout) for 60 s.
      const r = await execInContainer(
        name,
        launched('(while :; do echo tick >> /out/ticks.txt; sleep 0.05; done) & sleep 0.3; echo done'),
        { stdoutCapture: framed, timeoutMs: 30_000 },
      );
      const left = await execInContainer(
        name,
        sh('ps -o user= -o comm= -u 10001 | grep -v "^ *[0-9]* *ps$" || true'),
      );
      return { r, frame: framed.archive(), left: left.stdout };
    });
    for (const x of [api, cli]) {
      expect(x.r.timedOut).toBe(false);
      expect(x.r.exitCode).toBe(0);
      expect(x.r.stdout).toBe('done\n');
      expect(x.frame.ok).toBe(true);
      // Only the ps of the check itself (and its sh) may be running as the script's uid.
      expect(x.left).not.toMatch(/sleep/);
    }
  });

  it('still brings the archive out when the script used every pid of its limit', async () => {
    const { api, cli } = await both(async () => {
      const framed = new FramedStdout(1024 * 1024, 1024 * 1024);
      // Forks sleepers until the pids limit refuses (64 here; dash then gives up): the launcher must
      // wait for PID 1 to reap what it killed before tar can be forked.
      const r = await execInContainer(
        name,
        launched(
          'rm -rf /out/* && echo kept > /out/pids.txt; echo forking; i=0; while [ $i -lt 500 ]; do sleep 30 & i=$((i+1)); done 2>/dev/null',
        ),
        { stdoutCapture: framed, timeoutMs: 30_000 },
      );
      return { r, frame: framed.archive() };
    });
    for (const x of [api, cli]) {
      expect(x.r.timedOut).toBe(false);
      expect(x.r.stdout).toBe('forking\n');
      expect(x.frame.ok, JSON.stringify(x.frame)).toBe(true);
      if (x.frame.ok) expect(Object.keys(await files(x.frame.archive))).toEqual(['pids.txt']);
    }
  });

  it('refuses an archive over the cap and keeps the script output', async () => {
    const { api, cli } = await both(async () => {
      const framed = new FramedStdout(1024 * 1024, 10_000);
      const r = await execInContainer(name, launched('head -c 50000 /dev/zero > /out/big.bin; echo ok'), {
        stdoutCapture: framed,
      });
      return { r, frame: framed.archive() };
    });
    for (const x of [api, cli]) {
      expect(x.r.stdout).toBe('ok\n');
      expect(x.frame).toEqual(expect.objectContaining({ ok: false, truncated: true }));
    }
  });
});

describe('captureFromContainer: the output tar as an exec of its own (runsc)', () => {
  it('brings the same files out through either path, byte for byte', async () => {
    await writeOutputFiles();
    const { api, cli } = await both(() => captureFromContainer(name, copyOutExec(spec), 1024 * 1024, 60_000));
    expect(api.exitCode).toBe(0);
    expect(api.truncated).toBe(false);
    const fromApi = await files(api.data);
    expect(Object.keys(fromApi).sort()).toEqual(['odd name.txt', 'random.bin']);
    expect(Buffer.from(fromApi['random.bin'] as string, 'base64').length).toBe(70_000);
    expect(fromApi).toEqual(await files(cli.data));
  });

  it('stops reading at the cap and says it was truncated', async () => {
    const { api, cli } = await both(() => captureFromContainer(name, copyOutExec(spec), 10_000, 60_000));
    for (const r of [api, cli]) {
      expect(r.truncated).toBe(true);
      expect(r.data.length).toBe(10_000);
      expect(r.totalBytes).toBeGreaterThan(10_000);
    }
  });
});

describe('removeContainer through the engine socket', () => {
  it('removes a running container, and reports an absent one as gone', async () => {
    useCli(false);
    expect(await localEngine()).not.toBeNull();
    const other = await startKeeper();
    expect(await removeContainer(other)).toBe(true);
    const seen = await tryRunCommand('docker', ['container', 'inspect', other]);
    expect(seen.exitCode).not.toBe(0);
    expect(seen.stderr).toMatch(/No such container/i);
    expect(await removeContainer(other)).toBe(true);
  });
});
