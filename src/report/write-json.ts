import { writeFileAtomic } from '../audit/atomic-file.js';
import { hostResourceError } from '../host-error.js';

/**
 * Writes a report file atomically: a crash or a full disk never leaves a half-written
 * report (the temp file is removed and the error thrown). The temp-file/fsync/rename
 * mechanism is the audit log's. The folder must exist: it is made by the caller without
 * following links (src/gate/real-dirs.ts, src/gate/output-dir.ts), never by `mkdir -p`
 * here, which would follow a symlink a pull request committed.
 */
export async function writeOutputFile(file: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (e) {
    // write(2) on a full disk names no file: say which one (HOST_DISK_FULL, exit 2).
    throw hostResourceError(e, file) ?? e;
  }
}

export function writeJson(file: string, value: unknown): Promise<void> {
  return writeOutputFile(file, `${JSON.stringify(value, null, 2)}\n`);
}
