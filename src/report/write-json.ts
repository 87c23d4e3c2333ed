import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic as replaceAtomically } from '../audit/atomic-file.js';

/**
 * Writes a report file atomically, creating its folder: a crash never leaves a
 * half-written report. The temp-file/fsync/rename mechanism is the audit log's.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await replaceAtomically(file, text);
}

export function writeJson(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
