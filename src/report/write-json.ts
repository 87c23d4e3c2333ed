import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../audit/atomic-file.js';

/**
 * Writes a report file atomically, creating its folder: a crash never leaves a
 * half-written report. The temp-file/fsync/rename mechanism is the audit log's.
 */
export async function writeOutputFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, text);
}

export function writeJson(file: string, value: unknown): Promise<void> {
  return writeOutputFile(file, `${JSON.stringify(value, null, 2)}\n`);
}
