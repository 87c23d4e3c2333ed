import { createHash } from 'node:crypto';

/** SHA-256 of bytes (or of a string's UTF-8), lowercase hex: how Airlock names file contents everywhere. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
