/**
 * A separate OS process for the audit concurrency and crash tests (run with
 * `node --import tsx worker.ts <mode> ...`): real processes, so the lock, O_APPEND and
 * git push races are the real ones, and SIGKILL really kills mid-write.
 *
 *   append  LOG KEYFILE WRITER COUNT [DELAY_MS LOCK_TIMEOUT_MS]
 *                                     one run: open, COUNT entries (DELAY_MS apart, like a
 *                                     gate's scripts running between entries), close
 *   forever LOG KEYFILE                open and append until killed (prints "ready")
 *   publish REMOTE KEYFILE WRITER COUNT  publish COUNT entries to the audit branch
 */
import { readFileSync } from 'node:fs';
import { publishAuditLog } from '../../../src/audit/publish.js';
import { openAuditLog } from '../../../src/audit/writer.js';

export const WORKER_ORIGIN = 'example.com/acme/app/airlock-audit';

const [mode, target, keyFile, writer, count] = process.argv.slice(2);
const signingKeyPem = readFileSync(keyFile!, 'utf8');

if (mode === 'append') {
  const [delayMs, lockTimeoutMs] = process.argv.slice(7).map(Number);
  const w = await openAuditLog({
    log: target!,
    origin: WORKER_ORIGIN,
    signingKeyPem,
    lockTimeoutMs: lockTimeoutMs || 120_000,
  });
  for (let i = 0; i < Number(count); i++) {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    await w.append('script.scan', { writer, i });
  }
  const closed = await w.close();
  process.stdout.write(`${JSON.stringify({ size: closed.size, appended: closed.appended?.length })}\n`);
} else if (mode === 'forever') {
  const w = await openAuditLog({ log: target!, origin: WORKER_ORIGIN, signingKeyPem });
  // Big-ish entries so a kill often lands inside a write.
  const pad = 'x'.repeat(20_000);
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) await w.append('script.scan', { i, pad });
} else if (mode === 'publish') {
  const entries = Array.from({ length: Number(count) }, (_, i) => ({
    time: new Date().toISOString(),
    kind: 'script.scan',
    data: { writer, i },
  }));
  const r = await publishAuditLog({
    remote: target!,
    origin: WORKER_ORIGIN,
    signingKeyPem,
    entries,
    maxAttempts: 30,
  });
  process.stdout.write(`${JSON.stringify({ attempts: r.attempts, firstSeq: r.firstSeq })}\n`);
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
