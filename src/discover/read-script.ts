import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { sha256Hex } from '../sha256.js';

/**
 * Reads a script ONCE and hashes exactly those bytes. Scanners and the sandbox use
 * the returned `content` (or check against `sha256`), so a file swapped after
 * discovery cannot be the one that runs while another one was scanned (TOCTOU).
 */

export interface ScriptBytes {
  content: Buffer;
  sha256: string;
  bytes: number;
}

export type ReadOutcome = { ok: true; value: ScriptBytes } | { ok: false; reason: string };

export function fileTooLarge(rel: string, size: number, max: number): UserError {
  return new UserError(
    'DISCOVERY_LIMIT',
    `${JSON.stringify(rel)} is ${size} bytes, over limits.maxFileBytes (${max}); raise limits.maxFileBytes in the policy to gate it`,
  );
}

/**
 * `absPath` must already be checked to lie inside the workspace. O_NOFOLLOW refuses
 * a final component that became a symlink since; O_NONBLOCK keeps a FIFO from
 * hanging the open; fstat on the open descriptor decides what was actually opened.
 */
export async function readScript(absPath: string, rel: string, maxBytes: number): Promise<ReadOutcome> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(absPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { ok: false, reason: 'symbolic link (not followed)' };
    if (code === 'ENOENT') return { ok: false, reason: 'disappeared while being read' };
    throw new UserError('PATH_INVALID', `${JSON.stringify(rel)} cannot be read (${code ?? String(e)})`, {
      cause: e,
    });
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { ok: false, reason: 'not a regular file' };
    if (st.size > maxBytes) throw fileTooLarge(rel, st.size, maxBytes);
    // One byte more than fstat promised: a file that grew since (a writer racing us) is caught.
    const buf = Buffer.alloc(st.size + 1);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled !== st.size) return { ok: false, reason: 'changed while being read' };
    const content = Buffer.from(buf.subarray(0, filled));
    return { ok: true, value: { content, sha256: sha256Hex(content), bytes: filled } };
  } finally {
    await handle.close();
  }
}

/**
 * True when the file at `absPath` still holds exactly the bytes that were hashed.
 * For a caller that must hand the original path to another process (a bind mount):
 * check right before, and refuse on false.
 */
export async function stillMatches(script: {
  absPath: string;
  path: string;
  sha256: string;
  bytes: number;
}): Promise<boolean> {
  try {
    const again = await readScript(script.absPath, script.path, script.bytes);
    return again.ok && again.value.sha256 === script.sha256;
  } catch {
    return false;
  }
}
