import { lstat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { UserError } from '../errors.js';
import { runGit } from '../exec/git.js';
import { describeFailure } from '../exec/run-command.js';
import { parseCheckpoint } from './checkpoint.js';
import { layoutOf } from './segments.js';
import { verifyAuditLog } from './verify.js';

/**
 * Whether a run may extend the audit log it finds at its path (issue 21 item 10).
 *
 * A file that is part of the checked-out commit came with the code being gated: on a
 * pull request, its author wrote it. A committed log (with a checkpoint anyone can
 * compute, when unsigned) must never be adopted, extended and signed as our history.
 * Such a log is extended only when it is exactly the history the audit branch vouches
 * for: it verifies against the branch's checkpoint (fetched from git, which only
 * publishing runs write) and holds nothing beyond it. Anything else: AUDIT_LOG_UNTRUSTED.
 *
 * Files no commit brought (an earlier step of the same job wrote them) are left to the
 * writer's own checks (log-state.ts: it verifies, and refuses entries without a checkpoint).
 */
export async function assertLogAdoptable(opts: {
  log: string;
  /** The audit branch's checkpoint text (null: none); absent when no branch is configured. */
  branchCheckpoint?: () => Promise<string | null>;
}): Promise<void> {
  const tracked = await trackedLogFiles(opts.log);
  if (tracked.length === 0) return;
  const what = `the audit log ${opts.log} comes with the checked-out commit (${tracked.slice(0, 3).join(', ')}${tracked.length > 3 ? ', ...' : ''})`;
  const text = opts.branchCheckpoint ? await opts.branchCheckpoint() : null;
  if (text === null) {
    throw new UserError(
      'AUDIT_LOG_UNTRUSTED',
      `${what} and there is no audit-branch checkpoint to verify it against: refusing to extend it (remove it from the repository, or use another audit-log path)`,
    );
  }
  await assertLogMatchesCheckpoint({ log: opts.log, checkpoint: text, what });
}

/**
 * The log at `log` is exactly the history `checkpoint` (text kept elsewhere: the audit
 * branch's) vouches for: it verifies against it (with `publicKeyPem`, its signature too;
 * with `origin`, for that origin) and holds no entry beyond it. AUDIT_LOG_UNTRUSTED for
 * entries beyond it; the verifier's own error for anything else.
 */
export async function assertLogMatchesCheckpoint(opts: {
  log: string;
  checkpoint: string;
  /** What the log is, for the message. */
  what: string;
  origin?: string;
  publicKeyPem?: string;
}): Promise<void> {
  const trusted = parseCheckpoint(Buffer.from(opts.checkpoint, 'utf8'));
  const v = await verifyAuditLog({
    log: opts.log,
    trustedCheckpoint: opts.checkpoint,
    origin: opts.origin ?? trusted.origin,
    publicKeyPem: opts.publicKeyPem,
  });
  if (v.entries !== trusted.size) {
    throw new UserError(
      'AUDIT_LOG_UNTRUSTED',
      `${opts.what}: it has ${v.entries} entries, the audit branch's checkpoint vouches for ${trusted.size}; refusing to extend it`,
    );
  }
}

/** The log's files (log, checkpoint, segments, anchor, markers) that git tracks in the checkout. */
async function trackedLogFiles(log: string): Promise<string[]> {
  const layout = layoutOf(log);
  const dir = await lstat(layout.dir).catch(() => null);
  if (!dir?.isDirectory()) return [];
  const r = await runGit(layout.dir, ['ls-files', '-z', '--', '.']);
  if (r.exitCode !== 0) {
    // Not a git work tree (a plain directory, the CLI's usual case): nothing was committed.
    // Any other failure (e.g. git refusing a checkout owned by another user) fails closed.
    if (/not a git repository/i.test(r.stderr)) return [];
    throw new UserError('GIT_FAILED', `cannot tell whether ${log} is committed: ${describeFailure(r)}`);
  }
  const base = basename(log);
  return r.stdout
    .split('\0')
    .filter((name) => name !== '' && !name.includes('/'))
    .filter((name) => name.startsWith(base) || name === basename(layout.legacyCheckpointPath))
    .map((name) => `${dirname(log)}/${name}`);
}
