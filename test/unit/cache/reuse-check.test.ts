import { createPrivateKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateAuditKeyPair, openAuditLog, verifyAuditLog } from '../../../src/audit/index.js';
import { loadVerdictCache } from '../../../src/cache/verdict-cache.js';

/**
 * `scan.reused` entries through the real writer and the real verifier: the pointer must
 * name an earlier kept result, by its entry hash, under the same key.
 */
const ORIGIN = 'example.test/reuse-check';
const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);
const RESULT = {
  key: KEY_A,
  findings: [
    { tool: 'bandit', ruleId: 'B311', severity: 'low', confidence: 'high', line: 2, message: 'random' },
  ],
  rules: [{ tool: 'bandit', id: 'B311', shortDescription: 'random' }],
};

describe('scan.reused pointers', () => {
  let dir: string;
  let log: string;
  const keys = generateAuditKeyPair();
  const signingKey = createPrivateKey(keys.privatePem);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-reuse-'));
    log = join(dir, 'log.jsonl');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** A log with one kept result, then a reuse built from it by `pointer`. */
  async function write(pointer: (kept: { seq: number; hash: string }) => Record<string, unknown>) {
    const w = await openAuditLog({ log, origin: ORIGIN, signingKey });
    const kept = await w.append('scan', { path: 'rand.py', cache: RESULT });
    await w.append('decision', { path: 'rand.py' });
    await w.append('scan.reused', { path: 'rand.py', cache: pointer(kept) });
    await w.close();
    return kept;
  }
  const verify = () => verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });

  it('a reuse naming the kept entry by seq and hash under its key verifies, and the cache indexes the kept result', async () => {
    const kept = await write((k) => ({ key: KEY_A, reuses: k }));
    await expect(verify()).resolves.toMatchObject({ entries: 3 });
    const index = await loadVerdictCache({ log, origin: ORIGIN, signingKey });
    expect(index.unusable).toBeUndefined();
    expect(index.byKey.get(KEY_A)).toMatchObject({ entry: kept, findings: RESULT.findings });
  });

  it.each([
    [
      'a wrong hash',
      (k: { seq: number; hash: string }) => ({ key: KEY_A, reuses: { seq: k.seq, hash: 'c'.repeat(64) } }),
    ],
    ['another key', (k: { seq: number; hash: string }) => ({ key: KEY_B, reuses: k })],
    ['an entry that is not a kept result', () => ({ key: KEY_A, reuses: { seq: 1, hash: 'c'.repeat(64) } })],
    ['a later entry', () => ({ key: KEY_A, reuses: { seq: 2, hash: 'c'.repeat(64) } })],
    ['no pointer', () => ({ key: KEY_A })],
  ])('a reuse with %s is refused: AUDIT_REUSE_INVALID at its seq', async (_what, pointer) => {
    await write(pointer);
    await expect(verify()).rejects.toMatchObject({ code: 'AUDIT_REUSE_INVALID', seq: 2 });
  });

  it('without a signing key nothing is reused, even from a log that verifies', async () => {
    await write((k) => ({ key: KEY_A, reuses: k }));
    const index = await loadVerdictCache({ log, origin: ORIGIN });
    expect(index.byKey.size).toBe(0);
    expect(index.unusable).toMatch(/no signing key/);
  });

  it('a log signed by another key is not reused', async () => {
    await write((k) => ({ key: KEY_A, reuses: k }));
    const other = createPrivateKey(generateAuditKeyPair().privatePem);
    const index = await loadVerdictCache({ log, origin: ORIGIN, signingKey: other });
    expect(index.byKey.size).toBe(0);
    expect(index.unusable).toMatch(/did not verify/);
  });
});
