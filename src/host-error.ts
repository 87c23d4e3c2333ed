import { type ErrorCode, UserError, isAirlockError } from './errors.js';

/**
 * The host running out of what Airlock writes with (disk, quota, file descriptors) or
 * refusing writes altogether is the environment's problem, not a bug: a typed
 * UserError (exit 2) whose message names what was being written and what to do,
 * never an internal error with a stack (exit 3).
 */
const HOST_ERRNO: Record<string, { code: ErrorCode; what: string; fix: string }> = {
  ENOSPC: {
    code: 'HOST_DISK_FULL',
    what: 'no space left on the device',
    fix: 'free disk space (or inodes), or point the output, report and audit paths (or TMPDIR, for the staged copies) at another filesystem',
  },
  EDQUOT: {
    code: 'HOST_DISK_FULL',
    what: 'the disk quota is exhausted',
    fix: 'raise the quota or free space',
  },
  EMFILE: {
    code: 'HOST_TOO_MANY_FILES',
    what: 'this process has too many open files',
    fix: 'raise the open-file limit (ulimit -n) or lower sandbox.parallelism',
  },
  ENFILE: {
    code: 'HOST_TOO_MANY_FILES',
    what: 'the system has too many open files',
    fix: 'raise the system-wide open-file limit or lower sandbox.parallelism',
  },
  EROFS: {
    code: 'HOST_READ_ONLY',
    what: 'the filesystem is read-only',
    fix: 'point the output, report and audit paths at a writable filesystem',
  },
};

const HOST_CODES = new Set<ErrorCode>(Object.values(HOST_ERRNO).map((x) => x.code));

/** The errno code of a Node system error, if it is one of the host-resource ones. */
export function hostErrnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in HOST_ERRNO ? code : undefined;
}

/**
 * `e` as a typed host-resource UserError, or undefined when it is something else.
 * Follows `cause` chains, so a wrapper that kept the system error is seen through.
 * `writing`: what was being written, for errors that carry no path (write(2), fsync).
 */
export function hostResourceError(e: unknown, writing?: string): UserError | undefined {
  for (let cur = e, depth = 0; cur && depth < 5; cur = (cur as Error).cause, depth++) {
    if (isAirlockError(cur) && HOST_CODES.has(cur.code)) return cur as UserError;
    const errno = hostErrnoOf(cur);
    if (!errno) continue;
    const known = HOST_ERRNO[errno]!;
    const sys = cur as NodeJS.ErrnoException;
    // A write(2) on an open file names no path: the caller says what it was writing.
    const target = writing ?? sys.path;
    const where = target ? ` writing ${target}` : sys.syscall ? ` in ${sys.syscall}` : '';
    return new UserError(known.code, `${known.what} (${errno})${where}: ${known.fix}`, { cause: cur });
  }
  return undefined;
}
