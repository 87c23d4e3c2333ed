import { openAuditLog } from '../../src/audit/index.js';

/**
 * A child process for the SIGKILL fault test: opens the audit log named in argv and
 * appends entries as fast as it can, printing each acknowledged seq, until killed.
 * Usage: tsx hostile-audit-appender.ts LOG ORIGIN (signing key PEM on stdin).
 */
const [log, origin] = process.argv.slice(2);
if (!log || !origin) throw new Error('usage: hostile-audit-appender.ts LOG ORIGIN');
const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const writer = await openAuditLog({ log, origin, signingKeyPem: Buffer.concat(chunks).toString() });
// ~2 KiB of data per entry so a kill is likely to land inside a write.
const filler = 'x'.repeat(2048);
for (let i = 0; ; i++) {
  const r = await writer.append('fault.test', { i, filler });
  process.stdout.write(`${r.seq}\n`);
}
