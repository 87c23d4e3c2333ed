import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type UploadSarifOptions, uploadSarif } from '../../../src/github/code-scanning.js';
import { type FakeGitHub, startFakeGitHub } from '../../helpers/fake-github.js';

const TOKEN = 'ghs_0123456789abcdefTOKEN';
const SHA = 'a'.repeat(40);

function sarif(results = 1): string {
  return JSON.stringify({
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: 'Bandit', rules: [{ id: 'B602' }] } },
        results: Array.from({ length: results }, (_, i) => ({
          ruleId: 'B602',
          level: 'error',
          message: { text: `subprocess call with shell=True (${i})` },
          locations: [
            { physicalLocation: { artifactLocation: { uri: 'scripts/a.py' }, region: { startLine: i + 1 } } },
          ],
        })),
      },
    ],
  });
}

describe('uploadSarif against the OpenAPI-checked fake GitHub', () => {
  let fake: FakeGitHub;
  let logs: string[];

  beforeAll(async () => {
    fake = await startFakeGitHub({ token: TOKEN, repository: 'octo-org/octo-repo' });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    logs = [];
    fake.reset();
  });
  afterEach(() => {
    // Every request the code under test sent must be one GitHub would accept.
    fake.assertNoViolations();
    // The token never reaches our log.
    expect(logs.join('\n')).not.toContain(TOKEN);
  });

  const opts = (over: Partial<UploadSarifOptions> = {}): UploadSarifOptions => ({
    apiUrl: fake.url,
    token: TOKEN,
    owner: 'octo-org',
    repo: 'octo-repo',
    sarifJson: sarif(),
    commitSha: SHA,
    ref: 'refs/pull/7/merge',
    category: 'airlock',
    toolName: 'Airlock',
    checkoutUri: '/home/runner/work/octo-repo/octo-repo',
    pollIntervalMs: 5,
    retryDelayMs: 5,
    pollTimeoutMs: 5_000,
    log: (l) => logs.push(l),
    ...over,
  });

  it('uploads gzip+base64 SARIF, polls until complete, and GitHub receives the category in automationDetails', async () => {
    fake.setProcessing({ pendingPolls: 2 });
    const out = await uploadSarif(opts());
    expect(out).toMatchObject({ uploaded: true, processingStatus: 'complete', errors: [] });
    if (!out.uploaded) throw new Error('unreachable');
    expect(out.analysesUrl).toContain(`sarif_id=${out.sarifId}`);

    expect(fake.uploads).toHaveLength(1);
    const up = fake.uploads[0]!;
    expect(up.sarifId).toBe(out.sarifId);
    expect(up.commitSha).toBe(SHA);
    expect(up.ref).toBe('refs/pull/7/merge');
    expect(up.toolName).toBe('Airlock');
    expect(up.checkoutUri).toBe('file:///home/runner/work/octo-repo/octo-repo/');
    expect(Date.parse(up.startedAt ?? '')).not.toBeNaN();
    expect(up.sarif.runs?.[0]?.automationDetails).toEqual({ id: 'airlock/' });
    expect(up.sarif.runs?.[0]?.results).toHaveLength(1);
    // 1 upload + 2 pending polls + 1 complete poll.
    expect(fake.requestsTo('code-scanning/upload-sarif')).toHaveLength(1);
    expect(fake.requestsTo('code-scanning/get-sarif')).toHaveLength(3);
    expect(fake.requests[0]?.headers['user-agent']).toMatch(/^airlock\//);
  });

  it('a read-only token (fork PR) gives uploaded:false with the reason, no throw, no retry', async () => {
    fake.failNext('code-scanning/upload-sarif', {
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const out = await uploadSarif(opts());
    expect(out).toMatchObject({ uploaded: false, httpStatus: 403 });
    if (out.uploaded) throw new Error('unreachable');
    expect(out.reason).toContain('security-events: write');
    expect(out.reason).toContain('workflow_run');
    expect(fake.requestsTo('code-scanning/upload-sarif')).toHaveLength(1);
    expect(fake.uploads).toHaveLength(0);
  });

  it('code scanning not enabled (404) gives uploaded:false, no throw, no retry', async () => {
    fake.failNext('code-scanning/upload-sarif', { status: 404, message: 'Not Found' });
    const out = await uploadSarif(opts());
    expect(out).toMatchObject({ uploaded: false, httpStatus: 404 });
    expect(fake.requestsTo('code-scanning/upload-sarif')).toHaveLength(1);
  });

  it('retries 5xx with backoff and succeeds once GitHub recovers', async () => {
    fake.failNext('code-scanning/upload-sarif', { status: 503, message: 'Service unavailable', times: 2 });
    const out = await uploadSarif(opts());
    expect(out).toMatchObject({ uploaded: true, processingStatus: 'complete' });
    expect(fake.requestsTo('code-scanning/upload-sarif').map((r) => r.status)).toEqual([503, 503, 202]);
    expect(logs.filter((l) => l.includes('retrying'))).toHaveLength(2);
  });

  it('gives up after maxAttempts 5xx answers and reports, without throwing', async () => {
    fake.failNext('code-scanning/upload-sarif', { status: 502, times: 10 });
    const out = await uploadSarif(opts({ maxAttempts: 3 }));
    expect(out).toMatchObject({ uploaded: false, httpStatus: 502 });
    expect(fake.requestsTo('code-scanning/upload-sarif')).toHaveLength(3);
  });

  it('returns the errors GitHub reported when processing failed', async () => {
    const errors = ['locationFromSarifResult: expected artifact location', 'run 0: too many results'];
    fake.setProcessing({ pendingPolls: 0, status: 'failed', errors });
    const out = await uploadSarif(opts());
    expect(out).toMatchObject({ uploaded: true, processingStatus: 'failed', errors });
  });

  it('stops polling at the timeout and says processing is still pending', async () => {
    fake.setProcessing({ pendingPolls: 1_000 });
    const out = await uploadSarif(opts({ pollTimeoutMs: 200, pollIntervalMs: 20 }));
    expect(out).toMatchObject({ uploaded: true, processingStatus: 'pending' });
    expect(fake.requestsTo('code-scanning/get-sarif').length).toBeGreaterThan(0);
  });

  it('refuses a SARIF over 10 MB gzipped before sending anything', async () => {
    // Random bytes do not compress: 11 MB of entropy as base64 text gzips to ~11 MB.
    const big = JSON.stringify({
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'x' } },
          results: [],
          properties: { blob: randomBytes(11_000_000).toString('base64') },
        },
      ],
    });
    const out = await uploadSarif(opts({ sarifJson: big }));
    expect(out.uploaded).toBe(false);
    expect(fake.requests).toHaveLength(0);
  });

  it('an empty token is reported as not uploaded without sending anything', async () => {
    const out = await uploadSarif(opts({ token: '' }));
    expect(out.uploaded).toBe(false);
    expect(fake.requests).toHaveLength(0);
  });

  it('a wrong token is reported as not uploaded (401)', async () => {
    const out = await uploadSarif(opts({ token: 'ghs_wrong' }));
    expect(out).toMatchObject({ uploaded: false, httpStatus: 401 });
    expect(logs.join('\n')).not.toContain('ghs_wrong');
  });
});
