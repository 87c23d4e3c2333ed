import * as core from '@actions/core';
import { createPublicKey } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, lstat, mkdtemp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fetchBranchLog } from '../audit/branch-log.js';
import { layoutOf } from '../audit/segments.js';
import { assertLogMatchesCheckpoint } from '../audit/trust.js';
import { isAirlockError } from '../errors.js';
import { ensureRealDirs } from '../gate/real-dirs.js';
import type { AuditSettings } from '../settings/gate-settings.js';

/**
 * Gets the audit branch's log back onto a fresh runner, so the run extends the
 * branch's history and the verdict cache (which is the log: docs/cache.md) can reuse
 * the scans earlier runs published.
 *
 * Only when the checkout has no log of its own at the audit-log path (an existing one
 * is left to src/audit/trust.ts and the writer), and only with a signing key: the cache
 * reuses nothing a key of the run's did not sign, so without one a copy would buy
 * nothing. The copy is used only if it verifies against the branch's checkpoint,
 * signed by the run's own key, for the run's origin, with no entry beyond it.
 *
 * The verdict never depends on this. A missing branch (the first run) is a notice,
 * anything else that keeps the log from being restored (git fails, the branch log does
 * not verify) a warning; either way the run starts an empty log and scans every file.
 */
export type RestoreOutcome =
  | { outcome: 'restored' | 'present' | 'no-key' | 'no-branch' }
  | { outcome: 'refused'; reason: string };

export async function restoreAuditLog(opts: {
  workspace: string;
  audit: AuditSettings;
  branch: string;
  access: { remote: string; gitEnv: NodeJS.ProcessEnv | undefined };
  tempRoot?: string;
}): Promise<RestoreOutcome> {
  const { audit, branch } = opts;
  if (await hasLocalLog(audit.log)) return { outcome: 'present' };
  if (!audit.signingKey) {
    // A log line, not a notice: the missing key already has its notice (main.ts).
    core.info(
      `audit log not restored from ${branch}: no signing-key, and the verdict cache reuses only signed entries; every file is scanned`,
    );
    return { outcome: 'no-key' };
  }
  const scratch = await mkdtemp(join(opts.tempRoot || tmpdir(), 'airlock-restore-'));
  const base = basename(audit.log);
  const copy = layoutOf(join(scratch, base));
  try {
    const fetched = await fetchBranchLog({
      remote: opts.access.remote,
      branch,
      gitEnv: opts.access.gitEnv,
      into: scratch,
      base,
    });
    if (fetched !== 'copied') {
      core.notice(
        fetched === 'no-branch'
          ? `audit branch ${branch} does not exist yet (first run): starting an empty audit log`
          : `audit branch ${branch} holds no audit log yet: starting an empty audit log`,
      );
      return { outcome: 'no-branch' };
    }
    const publicKeyPem = createPublicKey(audit.signingKey).export({ type: 'spki', format: 'pem' }).toString();
    await assertLogMatchesCheckpoint({
      log: copy.logPath,
      checkpoint: await readFile(copy.checkpointPath, 'utf8'),
      what: `the audit log on ${branch}`,
      origin: audit.origin,
      publicKeyPem,
    });
    await placeCopy(opts.workspace, scratch, audit.log);
    core.info(`audit: restored the audit log from ${branch} to ${audit.log}`);
    return { outcome: 'restored' };
  } catch (e) {
    const why = isAirlockError(e) ? `${e.code}: ${e.message}` : (e as Error).message;
    core.warning(
      `audit log not restored from ${branch}: ${why}. This run starts an empty audit log and reuses no earlier scan (every file is scanned; the verdict does not depend on the cache)`,
      { title: 'Airlock: audit branch log not restored' },
    );
    return { outcome: 'refused', reason: why };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Any of the log's files at its path: the log, its checkpoint (either name), anchor, segments. */
async function hasLocalLog(log: string): Promise<boolean> {
  const layout = layoutOf(log);
  const names = await readdir(layout.dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
    throw e;
  });
  return names.some(
    (n) =>
      n === layout.base || n.startsWith(`${layout.base}.`) || n === basename(layout.legacyCheckpointPath),
  );
}

/**
 * Copies the verified files from `scratch` beside `log`: its folder made without
 * following a link a pull request committed, each file created exclusively (a link or
 * file planted at a name is never written through), the checkpoint last. A copy that
 * fails part way is removed, so the writer never finds a log without its checkpoint.
 */
async function placeCopy(workspace: string, scratch: string, log: string): Promise<void> {
  await ensureRealDirs(workspace, dirname(log), 'audit log');
  const checkpointName = basename(layoutOf(log).checkpointPath);
  const names = (await readdir(scratch)).sort((a, b) =>
    a === checkpointName ? 1 : b === checkpointName ? -1 : a < b ? -1 : 1,
  );
  const written: string[] = [];
  try {
    for (const name of names) {
      if (!(await lstat(join(scratch, name))).isFile()) continue;
      const dst = join(dirname(log), name);
      await copyFile(join(scratch, name), dst, constants.COPYFILE_EXCL);
      written.push(dst);
    }
  } catch (e) {
    for (const f of written.reverse()) await unlink(f).catch(() => undefined);
    throw e;
  }
}
