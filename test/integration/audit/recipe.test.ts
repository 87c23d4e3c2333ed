import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateAuditKeyPair } from '../../../src/audit/keys.js';
import { rootOf } from '../../../src/audit/merkle.js';
import { readLines as streamLines } from '../../../src/audit/reader.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { openAuditLog } from '../../../src/audit/writer.js';
import { encode, entryOf, ORIGIN, readLines, tempDir, writeLines } from '../../unit/audit/fixtures.js';

// docs/audit-format.md promises a log can be verified with standard tools only. This
// runs the doc's own ```bash blocks, so the recipe cannot drift from the format.
const DOC = join(import.meta.dirname, '../../../docs/audit-format.md');

function recipe(): string {
  const md = readFileSync(DOC, 'utf8');
  const blocks = [...md.matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(3);
  return blocks.join('\n');
}

function runRecipe(env: { LOG: string; CHECKPOINT: string; PUBKEY: string }) {
  const r = spawnSync('bash', ['-c', `set -euo pipefail\n${recipe()}`], {
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...env },
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A log with closed gzip segments and an active file, and data that stresses shell quoting. */
async function realLog() {
  const dir = tempDir();
  const keys = generateAuditKeyPair();
  const log = join(dir, 'log.jsonl');
  const pub = join(dir, 'public.pem');
  writeFileSync(pub, keys.publicPem);
  const day = 24 * 60 * 60 * 1000;
  const t0 = Date.parse('2026-03-01T00:00:00Z');
  for (let run = 0; run < 3; run++) {
    const w = await openAuditLog({
      log,
      origin: ORIGIN,
      signingKeyPem: keys.privatePem,
      rotation: { maxSegmentAgeMs: day, retentionDays: 0 },
      now: () => new Date(t0 + run * 2 * day),
    });
    for (let i = 0; i < 3; i++) {
      await w.append('script.scan', {
        path: `scripts/$(rm -rf ~) 'q' "dq" \\ %s %%n ${run}-${i}.py`,
        note: 'ünï ✓ \t tab',
        ruleIds: ['B602'],
      });
    }
    await w.close();
  }
  return { dir, keys, log, pub, env: { LOG: log, CHECKPOINT: `${log}.checkpoint`, PUBKEY: pub } };
}

describe('docs/audit-format.md recipe (standard tools only)', () => {
  it('verifies a real log with segments: chain, Merkle root, key ID and Ed25519 signature via openssl', async () => {
    const t = await realLog();
    const ours = await verifyAuditLog({ log: t.log, publicKeyPem: t.keys.publicPem, strict: true });
    const r = runRecipe(t.env);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`chain: ${ours.entries} entries link up`);
    expect(r.out).toContain(`root: matches the checkpoint (${ours.root})`);
    expect(r.out).toContain('Signature Verified Successfully');
  }, 240_000);

  it('fails on an edited entry', async () => {
    const t = await realLog();
    const lines = readLines(t.log);
    const e = entryOf(lines[1]!);
    e.data.note = 'edited';
    lines[1] = encode(e);
    writeLines(t.log, lines);
    const r = runRecipe(t.env);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('bad seq or broken link');
  }, 240_000);

  it('fails on re-linked entries with a recomputed root (someone without the key)', async () => {
    const t = await realLog();
    const lines = readLines(t.log);
    for (let i = 0; i < lines.length; i++) {
      const e = entryOf(lines[i]!);
      if (i === 0) e.data.note = 'edited';
      else
        e.prev = createHash('sha256')
          .update(lines[i - 1]!)
          .digest('hex');
      lines[i] = encode(e);
    }
    writeLines(t.log, lines);
    const r1 = runRecipe(t.env);
    expect(r1.status).not.toBe(0);
    expect(r1.out).toContain('Merkle root differs');
    // Also put the recomputed root in the checkpoint: now only the signature catches it.
    const computed = await verifyAuditLog({ log: t.log }).catch((e: Error) => e);
    expect(computed).toMatchObject({ code: 'AUDIT_ROOT_MISMATCH' });
    const leaves: Buffer[] = [];
    for (const seg of readdirSync(t.dir)
      .filter((f) => f.endsWith('.gz'))
      .sort()) {
      await streamLines(join(t.dir, seg), (l) => leaves.push(Buffer.from(l)), { gzip: true });
    }
    await streamLines(t.log, (l) => leaves.push(Buffer.from(l)));
    const cp = readFileSync(t.env.CHECKPOINT, 'utf8').split('\n');
    cp[2] = rootOf(leaves).toString('base64');
    writeFileSync(t.env.CHECKPOINT, cp.join('\n'));
    const r2 = runRecipe(t.env);
    expect(r2.status).not.toBe(0);
    expect(r2.out).toContain('Signature Verification Failure');
  }, 240_000);

  it('fails with another public key', async () => {
    const t = await realLog();
    writeFileSync(t.pub, generateAuditKeyPair().publicPem);
    const r = runRecipe(t.env);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('not signed by this key');
  }, 240_000);
});
