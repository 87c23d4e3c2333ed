import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uploadSarif } from '../../../src/github/code-scanning.js';
import { type FakeGitHub, startFakeGitHub } from '../../helpers/fake-github.js';

/**
 * Proves the fake's OpenAPI checks bite: requests GitHub would reject get GitHub's
 * status and are recorded as violations (which fail any test using the fake).
 */
const TOKEN = 'ghs_fake_token';
const SARIF = JSON.stringify({
  version: '2.1.0',
  runs: [{ tool: { driver: { name: 'Bandit' } }, results: [] }],
});
const encoded = gzipSync(SARIF).toString('base64');
const good = { commit_sha: 'b'.repeat(40), ref: 'refs/heads/main', sarif: encoded };

describe('fake GitHub rejects what GitHub rejects', () => {
  let fake: FakeGitHub;
  beforeAll(async () => {
    fake = await startFakeGitHub({ token: TOKEN });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  async function send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: { message?: string } }> {
    const res = await fetch(`${fake.url}${path}`, {
      method,
      headers: {
        authorization: `token ${TOKEN}`,
        accept: 'application/vnd.github+json',
        'user-agent': 'airlock-test',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  }
  const sarifs = '/repos/octo-org/octo-repo/code-scanning/sarifs';

  it('accepts a well-formed upload (the control case)', async () => {
    const r = await send('POST', sarifs, good);
    expect(r.status).toBe(202);
    expect(fake.violations).toEqual([]);
    expect(fake.uploads[0]?.sarif).toEqual(JSON.parse(SARIF));
  });

  it.each([
    ['missing commit_sha', { ref: good.ref, sarif: encoded }, /commit_sha/],
    ['short commit_sha', { ...good, commit_sha: 'abc123' }, /commit_sha/],
    ['ref outside refs/(heads|tags|pull)', { ...good, ref: 'main' }, /\/ref/],
    ['a `category` field (the REST body has none)', { ...good, category: 'airlock' }, /additional/],
    ['checkout_uri that is not a URI', { ...good, checkout_uri: 'not a uri' }, /checkout_uri/],
    ['started_at that is not a date-time', { ...good, started_at: 'yesterday' }, /started_at/],
  ])('422 for %s', async (_name, body, pattern) => {
    const r = await send('POST', sarifs, body);
    expect(r.status).toBe(422);
    expect(fake.violations).toHaveLength(1);
    expect(fake.violations[0]).toMatch(pattern);
    expect(() => fake.assertNoViolations()).toThrow();
    expect(fake.uploads).toHaveLength(0);
  });

  it('400 for a sarif field that is not base64(gzip(SARIF))', async () => {
    for (const sarif of [
      '%%% not base64 %%%',
      Buffer.from(SARIF).toString('base64'),
      gzipSync('{}').toString('base64'),
    ]) {
      fake.reset();
      const r = await send('POST', sarifs, { ...good, sarif });
      expect(r.status).toBe(400);
      expect(fake.violations).toHaveLength(1);
    }
  });

  it('rejects undocumented paths and methods, and missing headers', async () => {
    expect((await send('POST', '/repos/octo-org/octo-repo/code-scanning/sarif', good)).status).toBe(404);
    expect((await send('DELETE', sarifs)).status).toBe(404);
    expect((await send('POST', sarifs, good, { 'user-agent': '' })).status).toBe(403);
    expect((await send('POST', sarifs, good, { authorization: '' })).status).toBe(401);
    expect(fake.violations).toHaveLength(4);
  });

  it('a wrong token is 401 Bad credentials but not a contract violation; unknown repositories are 404', async () => {
    expect((await send('POST', sarifs, good, { authorization: 'token nope' })).status).toBe(401);
    expect((await send('POST', '/repos/someone/else/code-scanning/sarifs', good)).status).toBe(404);
    expect(fake.violations).toEqual([]);
  });

  it('checks its own responses against the documented schema', async () => {
    fake.handle('code-scanning/get-sarif', () => ({ status: 200, body: { processing_status: 'done' } }));
    await send('GET', `${sarifs}/some-id`);
    expect(fake.violations.join()).toMatch(/own 200 response.*processing_status/);
    fake.handle('code-scanning/get-sarif', () => ({ status: 418, body: {} }));
    await send('GET', `${sarifs}/some-id`);
    expect(fake.violations.join()).toMatch(/undocumented status 418/);
  });

  it('end to end: uploadSarif with a malformed commit id is refused by the OpenAPI check, and reports it', async () => {
    const logs: string[] = [];
    const out = await uploadSarif({
      apiUrl: fake.url,
      token: TOKEN,
      owner: 'octo-org',
      repo: 'octo-repo',
      sarifJson: SARIF,
      commitSha: 'not-a-sha',
      ref: 'refs/heads/main',
      log: (l) => logs.push(l),
    });
    expect(out).toMatchObject({ uploaded: false, httpStatus: 422 });
    expect(fake.violations).toHaveLength(1);
    expect(fake.violations[0]).toMatch(/commit_sha/);
  });
});
