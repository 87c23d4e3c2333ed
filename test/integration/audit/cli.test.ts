import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../../src/audit/checkpoint.js';
import { openAuditLog } from '../../../src/audit/writer.js';
import { runCli } from '../../helpers/cli-capture.js';
import { encode, entryOf, ORIGIN, readLines, tempDir, writeLines } from '../../unit/audit/fixtures.js';

async function cli(argv: string[], cwd: string) {
  return runCli(argv, cwd);
}

describe('airlock audit keygen / verify', () => {
  it('keygen writes a 0600 private key and a public key, prints the verifier key, never overwrites', async () => {
    const dir = tempDir();
    const r = await cli(['audit', 'keygen', '--out', 'keys', '--origin', ORIGIN], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(dir, 'keys/private.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'keys/public.pem'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    const vkey = /verifier key: (\S+)/.exec(r.stdout)?.[1];
    expect(vkey).toMatch(new RegExp(`^${ORIGIN.replace(/\./g, '\\.')}\\+[0-9a-f]{8}\\+[A-Za-z0-9+/]{44}$`));
    expect(r.stdout).not.toContain('PRIVATE KEY');
    const again = await cli(['audit', 'keygen', '--out', 'keys', '--origin', ORIGIN], dir);
    expect(again.code).toBe(2);
  });

  it('verify: exit 0 on a good log, 1 naming code and entry on a bad one, 2 on usage errors', async () => {
    const dir = tempDir();
    expect((await cli(['audit', 'keygen', '--out', 'k', '--origin', ORIGIN], dir)).code).toBe(0);
    const log = join(dir, 'audit', 'log.jsonl');
    const w = await openAuditLog({
      log,
      origin: ORIGIN,
      signingKeyPem: readFileSync(join(dir, 'k/private.pem'), 'utf8'),
    });
    for (let i = 0; i < 6; i++) await w.append('script.scan', { i });
    const closed = await w.close();
    const ok = await cli(['audit', 'verify', 'audit/log.jsonl', '--public-key', 'k/public.pem'], dir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`checkpoint size 6, root ${closed.root}`);

    writeFileSync(join(dir, 'trusted'), closed.checkpoint);
    const withTrusted = await cli(
      [
        'audit',
        'verify',
        'audit/log.jsonl',
        '--public-key',
        'k/public.pem',
        '--trusted-checkpoint',
        'trusted',
      ],
      dir,
    );
    expect(withTrusted.code).toBe(0);

    const noKey = await cli(['audit', 'verify', 'audit/log.jsonl'], dir);
    expect(noKey.code).toBe(0);
    expect(noKey.stderr).toContain('NOT checked');

    const lines = readLines(log);
    const e = entryOf(lines[2]!);
    e.data.i = 42;
    lines[2] = encode(e);
    writeLines(log, lines);
    const bad = await cli(['audit', 'verify', 'audit/log.jsonl', '--public-key', 'k/public.pem'], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^airlock: AUDIT_CHAIN_BROKEN at entry 3: /);

    expect((await cli(['audit', 'verify'], dir)).code).toBe(2);
    expect((await cli(['audit', 'verify', 'audit/log.jsonl', '--bogus'], dir)).code).toBe(2);
    expect((await cli(['audit', 'verify', 'audit/log.jsonl', '--public-key', 'missing.pem'], dir)).code).toBe(
      2,
    );
  });

  it('the checkpoint signature verifies with openssl pkeyutl -verify -rawin', async () => {
    const dir = tempDir();
    expect((await cli(['audit', 'keygen', '--out', 'k', '--origin', ORIGIN], dir)).code).toBe(0);
    const log = join(dir, 'log.jsonl');
    const w = await openAuditLog({
      log,
      origin: ORIGIN,
      signingKeyPem: readFileSync(join(dir, 'k/private.pem'), 'utf8'),
    });
    await w.append('run.start', { repository: 'acme/app' });
    const { checkpoint } = await w.close();
    const cp = parseCheckpoint(Buffer.from(checkpoint));
    const sig = cp.note.signatures[0]!;
    expect(sig.signature).toHaveLength(64);
    writeFileSync(join(dir, 'body'), cp.note.text);
    writeFileSync(join(dir, 'sig'), sig.signature);
    const verify = (body: string) =>
      spawnSync(
        'openssl',
        ['pkeyutl', '-verify', '-pubin', '-inkey', 'k/public.pem', '-rawin', '-in', body, '-sigfile', 'sig'],
        { cwd: dir, encoding: 'utf8' },
      );
    const good = verify('body');
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toContain('Signature Verified Successfully');
    writeFileSync(join(dir, 'body2'), cp.note.text.replace('\n1\n', '\n2\n'));
    expect(verify('body2').status).not.toBe(0);
  });
});
