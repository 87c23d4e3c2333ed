import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { type AuditEntry, encodeEntry } from '../../../src/audit/canonical-line.js';
import { type AuditKeyPair, generateAuditKeyPair } from '../../../src/audit/keys.js';
import { openAuditLog } from '../../../src/audit/writer.js';
import { VerificationError } from '../../../src/errors.js';

/** Shared by the audit tests: real logs written by the real writer in a temp dir. */
export const ORIGIN = 'example.com/acme/app/airlock-audit';

const created: string[] = [];

export function tempDir(prefix = 'airlock-audit-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

// Registered once per test file that imports this module: remove what its tests created.
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export interface TestLog {
  dir: string;
  log: string;
  checkpoint: string;
  keys: AuditKeyPair;
}

/** A log of `n` events (varied kinds and data), closed (checkpoint signed). */
export async function makeLog(n: number, opts: { keys?: AuditKeyPair; dir?: string; tag?: string } = {}) {
  const dir = opts.dir ?? tempDir();
  const keys = opts.keys ?? generateAuditKeyPair();
  const log = join(dir, 'audit.jsonl');
  const w = await openAuditLog({
    log,
    origin: ORIGIN,
    signingKeyPem: keys.privatePem,
    syncEachAppend: false,
  });
  for (let i = 0; i < n; i++) {
    await w.append(i % 2 ? 'script.scan' : 'script.execution', {
      path: `scripts/${opts.tag ?? 'a'}-${i}.py`,
      sha256: createHash('sha256').update(String(i)).digest('hex'),
      level: i % 3 ? 'low' : 'high',
      ruleIds: ['B602', 'python.lang.security.audit.eval'],
      note: 'ünïcödé ✓ "quoted" \\ back',
    });
  }
  await w.close();
  return { dir, log, checkpoint: `${log}.checkpoint`, keys } satisfies TestLog;
}

export function readLines(path: string): Buffer[] {
  const all = readFileSync(path);
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i] === 0x0a) {
      out.push(all.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < all.length) out.push(all.subarray(start));
  return out;
}

export function writeLines(path: string, lines: Buffer[]): void {
  writeFileSync(path, Buffer.concat(lines));
}

export function lineHash(line: Buffer): string {
  return createHash('sha256').update(line).digest('hex');
}

export function entryOf(line: Buffer): AuditEntry {
  return JSON.parse(line.toString('utf8').replace(/\n$/, '')) as AuditEntry;
}

export function encode(e: AuditEntry): Buffer {
  return encodeEntry(e);
}

/** Awaits a promise that must reject with a VerificationError of this code and seq. */
export async function expectVerificationError(
  p: Promise<unknown>,
  code: string,
  seq?: number | undefined,
): Promise<VerificationError> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code}`).toBeInstanceOf(VerificationError);
  const v = error as VerificationError;
  expect({ code: v.code, seq: v.seq }).toEqual({ code, seq });
  return v;
}
