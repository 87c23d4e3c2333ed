import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uploadOutputDir } from '../../../src/action/artifact-stage.js';
import { RUN_MARKER } from '../../../src/gate/output-dir.js';
import { type FakeResultsService, startFakeResultsService } from '../../helpers/fake-results-service.js';
import { zipEntries } from '../../helpers/zip-listing.js';

/**
 * The artifact stage with the real @actions/artifact client, in process, against a
 * stand-in for GitHub's results service and blob storage that checks every request
 * (test/helpers/fake-results-service.ts). What goes into the zip, what the service is
 * asked, and every way the upload can fail without throwing. The Action bundle doing
 * the same on a gated pull request: action-artifact-e2e.test.ts.
 */
const CTX = { serverUrl: 'https://github.com', owner: 'octo-org', repo: 'octo-repo', runId: '4242' };
let root: string;
let out: string;
let outside: string;
let fake: FakeResultsService;
const saved = { ...process.env };

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function upload(name: string, extra: { retentionDays?: number } = {}) {
  return uploadOutputDir({
    outDir: out,
    name,
    retentionDays: extra.retentionDays,
    ctx: CTX,
    env: process.env,
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'airlock-artifact-'));
  out = join(root, 'ws/.airlock/out');
  outside = join(root, 'secret');
  await mkdir(join(out, '001-plot/figures'), { recursive: true });
  await mkdir(join(out, '002-empty'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'token.txt'), 'ghs_not_for_the_artifact\n');
  await writeFile(join(out, 'report.json'), '{"scripts":[]}\n');
  await writeFile(join(out, 'airlock.sarif'), '{"version":"2.1.0","runs":[]}\n');
  await writeFile(join(out, 'summary.md'), '## Airlock\n');
  await writeFile(join(out, RUN_MARKER), '{"airlock":"0.1.0"}\n');
  await writeFile(join(out, '001-plot/figures/hist.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  await writeFile(join(out, '001-plot/stats.csv'), 'a,b\n1,2\n'.repeat(5000));
  await writeFile(join(out, '001-plot/plot:1.png'), 'colon in the name');
  // Links a script could not have written (the sandbox copy-out refuses them), planted to
  // show the listing never follows one: neither to a file nor into a directory.
  await symlink(join(outside, 'token.txt'), join(out, '001-plot/leak.txt'));
  await symlink(outside, join(out, '001-plot/leakdir'));
  fake = await startFakeResultsService();
});

beforeEach(() => {
  Object.assign(process.env, fake.env(), { GITHUB_SERVER_URL: 'https://github.com' });
});

afterEach(() => {
  process.env = { ...saved };
  fake.assertNoViolations();
  fake.reset();
});

afterAll(async () => {
  await fake?.close();
  await rm(root, { recursive: true, force: true });
});

describe('uploading the output directory as a workflow artifact', () => {
  it('zips exactly its regular files, asks the service as the contract says, and returns the id and URL', async () => {
    const r = await upload('airlock-4242-1-gate', { retentionDays: 5 });
    expect(r, JSON.stringify(r)).toMatchObject({ uploaded: true, name: 'airlock-4242-1-gate', files: 5 });
    if (!r.uploaded) throw new Error('not uploaded');
    expect(r.id).toBe(2_718_281_828);
    expect(r.url).toBe('https://github.com/octo-org/octo-repo/actions/runs/4242/artifacts/2718281828');
    expect(r.skipped).toEqual([
      { path: '001-plot/leak.txt', why: 'not a regular file' },
      { path: '001-plot/leakdir', why: 'not a regular file' },
      { path: '001-plot/plot:1.png', why: 'a name the artifact service refuses' },
    ]);

    const zip = fake.zipOf('airlock-4242-1-gate');
    expect(r.bytes).toBe(zip.length);
    expect(r.digest).toBe(sha(zip));
    const entries = await zipEntries(zip, root);
    const expected: Record<string, string> = {};
    for (const p of [
      'report.json',
      'airlock.sarif',
      'summary.md',
      '001-plot/figures/hist.png',
      '001-plot/stats.csv',
    ])
      expected[p] = sha(await readFile(join(out, p)));
    expect(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, v?.sha256]))).toEqual(expected);

    // What the service saw: the backend ids of the token, a zip, an expiry 5 days out.
    const a = fake.artifacts.get('airlock-4242-1-gate')!;
    expect([a.runBackendId, a.jobBackendId]).toEqual([fake.runBackendId, fake.jobBackendId]);
    const days =
      (Number((a.created.expiresAt as { seconds: string }).seconds) * 1000 - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(4.9);
    expect(days).toBeLessThan(5.1);
    expect(a.finalized?.hash).toBe(`sha256:${sha(zip)}`);
    expect(fake.blobOf('airlock-4242-1-gate')?.contentType).toBe('application/zip');
    expect(fake.blobOf('airlock-4242-1-gate')?.blockIds.length).toBeGreaterThan(0);
    expect(fake.calls.map((c) => [c.method, c.status])).toEqual([
      ['CreateArtifact', 200],
      ['FinalizeArtifact', 200],
    ]);
  });

  it('a name the run already has: not uploaded, and the reason says how to tell steps apart', async () => {
    expect((await upload('airlock-dup')).uploaded).toBe(true);
    const second = await upload('airlock-dup');
    expect(second.uploaded).toBe(false);
    if (second.uploaded) return;
    expect(second.reason).toContain('(409)');
    expect(second.reason).toContain('artifact-name or sarif-category');
  });

  it('a 403 from the service: not uploaded, at once, never throws', async () => {
    fake.failNext('CreateArtifact', { code: 'permission_denied', msg: 'token may not write artifacts' });
    const started = performance.now();
    const r = await upload('airlock-403');
    expect(r.uploaded).toBe(false);
    if (!r.uploaded) expect(r.reason).toMatch(/403.*token may not write artifacts/);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(fake.calls.map((c) => c.method)).toEqual(['CreateArtifact']);
  });

  it('blob storage failing with 500: retried by the client, then not uploaded and never finalized', async () => {
    fake.failBlobNext({ status: 500, code: 'InternalError' }, 10);
    const r = await upload('airlock-500');
    expect(r.uploaded).toBe(false);
    if (!r.uploaded) expect(r.reason).toMatch(/^blob storage answered 500 InternalError: /);
    expect(fake.calls.map((c) => c.method)).toEqual(['CreateArtifact']);
  }, 120_000);

  it('one 500 from blob storage is retried and the upload completes', async () => {
    fake.failBlobNext({ status: 500, code: 'InternalError' }, 1);
    const r = await upload('airlock-retry');
    expect(r.uploaded, JSON.stringify(r)).toBe(true);
    expect(Object.keys(await zipEntries(fake.zipOf('airlock-retry'), root))).toHaveLength(5);
  }, 120_000);

  it('GitHub Enterprise Server: not uploaded, says why, asks nothing', async () => {
    process.env.GITHUB_SERVER_URL = 'https://ghes.example.com';
    const r = await upload('airlock-ghes');
    expect(r.uploaded).toBe(false);
    if (!r.uploaded) expect(r.reason).toContain('GitHub Enterprise Server has no artifact service');
    expect(fake.calls).toEqual([]);
  });

  it('no results service in the environment (act, a local run): not uploaded, names what is missing', async () => {
    const r = await uploadOutputDir({ outDir: out, name: 'x', retentionDays: undefined, ctx: CTX, env: {} });
    expect(r.uploaded).toBe(false);
    if (!r.uploaded) expect(r.reason).toContain('ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL');
    expect(fake.calls).toEqual([]);
  });
});

describe('the stand-in refuses what the results service would (so the tests above mean something)', () => {
  const post = (body: unknown, token = fake.env().ACTIONS_RUNTIME_TOKEN) =>
    fetch(`${fake.url}/twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const ids = () => ({
    workflow_run_backend_id: fake.runBackendId,
    workflow_job_run_backend_id: fake.jobBackendId,
  });

  it('checks field names and types against the generated message, the token, and the backend ids', async () => {
    const ok = { ...ids(), name: 'n', version: 7, mime_type: 'application/zip' };
    const cases: [unknown, string | undefined, number, string][] = [
      [{ ...ok, colour: 'red' }, undefined, 400, 'unknown field(s) colour'],
      [
        { workflowRunBackendId: fake.runBackendId, name: 'n' },
        undefined,
        400,
        'unknown field(s) workflowRunBackendId',
      ],
      [{ ...ok, version: 'seven' }, undefined, 400, 'version'],
      [{ ...ok, workflow_job_run_backend_id: 'another-job' }, undefined, 403, 'backend ids not in the token'],
      [ok, '', 401, 'no Bearer token'],
      [ok, 'a.b.c', 401, 'token signature'],
    ];
    for (const [body, token, status, text] of cases) {
      const r = await post(body, token);
      expect(r.status, text).toBe(status);
      expect(((await r.json()) as { msg: string }).msg).toContain(text);
    }
    expect(fake.violations).toHaveLength(cases.length);
    fake.violations.length = 0;
    // The well-formed request is accepted and gets a signed URL.
    const good = await post(ok);
    expect(good.status).toBe(200);
    const url = new URL(((await good.json()) as { signed_upload_url: string }).signed_upload_url);
    // Blob storage wants the issued signature.
    url.searchParams.set('sig', 'forged');
    const put = await fetch(url, {
      method: 'PUT',
      headers: { 'x-ms-version': '2024-08-04', 'x-ms-blob-type': 'BlockBlob' },
      body: 'x',
    });
    expect([put.status, put.headers.get('x-ms-error-code')]).toEqual([403, 'AuthenticationFailed']);
    expect(fake.violations).toHaveLength(1);
    fake.violations.length = 0;
  });
});
