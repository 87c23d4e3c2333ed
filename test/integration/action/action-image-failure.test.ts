import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActionRun, runActionBundle } from '../../helpers/action-bundle-runner.js';
import { type FakeGitHub, startFakeGitHub } from '../../helpers/fake-github.js';
import { commitOnBranch, initRepo } from '../../helpers/git-fixture.js';

/**
 * When the Action cannot get a sandbox image at all, the run still tells the workflow
 * why: the `verdict` output is `fail` and the job summary carries the error, so an
 * `if:` on the output or a reader of the summary never sees an empty success.
 */
const REPO = 'octo-org/octo-repo';
let root: string;
let ws: string;
let pr: { repository: string; number: number; baseSha: string; headSha: string };
let fake: FakeGitHub;

async function deadRegistryFile(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((done) => srv.listen(0, '127.0.0.1', done));
  const port = (srv.address() as { port: number }).port;
  await new Promise((done) => srv.close(done));
  const file = join(root, 'published.json');
  await writeFile(
    file,
    JSON.stringify({
      ref: `127.0.0.1:${port}/airlock/sandbox`,
      version: '0.1.0',
      digests: { core: `sha256:${'b'.repeat(64)}`, full: `sha256:${'c'.repeat(64)}` },
    }),
  );
  return file;
}

const run = (withInputs: Record<string, string>, env: NodeJS.ProcessEnv): Promise<ActionRun> =>
  runActionBundle({
    scratch: root,
    workspace: ws,
    pr,
    apiUrl: fake.url,
    token: fake.token,
    with: { paths: 'analysis', ...withInputs },
    env,
    timeoutMs: 120_000,
  });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'airlock-image-fail-'));
  ws = join(root, 'ws');
  const baseSha = await initRepo(ws, { 'README.md': '# fixture\n' });
  const headSha = await commitOnBranch(ws, 'feature', { 'analysis/a.py': 'print(1)\n' });
  pr = { repository: REPO, number: 3, baseSha, headSha };
  fake = await startFakeGitHub({ repository: REPO });
});

afterAll(async () => {
  await fake?.close();
  await rm(root, { recursive: true, force: true });
});

describe('the Action without a sandbox image', () => {
  it('image: pull with the registry down: verdict fail and a summary naming the pull', async () => {
    const r = await run({ image: 'pull' }, { AIRLOCK_PUBLISHED_IMAGE_FILE: await deadRegistryFile() });
    expect(r.exitCode, r.log).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    expect(r.summary).toContain('Airlock: fail');
    expect(r.summary).toMatch(
      /IMAGE_MISSING: input image: pull: pulling 127\.0\.0\.1:\d+\/airlock\/sandbox@sha256:b{64} failed/,
    );
    expect(r.log).toMatch(/::error::airlock: IMAGE_MISSING/);
    // Nothing was built on the way.
    expect(r.log).not.toMatch(/building/);
    expect(fake.uploads).toHaveLength(0);
  });

  it('no Docker engine: verdict fail and a summary with DOCKER_UNAVAILABLE', async () => {
    const r = await run({}, { DOCKER_HOST: `unix://${join(root, 'no-such-docker.sock')}` });
    expect(r.exitCode, r.log).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    expect(r.summary).toContain('DOCKER_UNAVAILABLE');
  });

  it('an image input that is not a reference is refused by name, with a summary', async () => {
    const r = await run({ image: '--privileged' }, {});
    expect(r.exitCode, r.log).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    expect(r.summary).toContain(
      'INPUT_INVALID: input image: expected auto, pull, build or an image reference',
    );
  });
});
