import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { lineHashes } from './sarif-fingerprint.js';

/** Scripts larger than this are not fingerprinted (DEFAULT_LIMITS.maxFileBytes is 256 KiB). */
const MAX_FINGERPRINT_BYTES = 4 * 1024 * 1024;

/**
 * Line hashes for the files results point at, read from `root` (the staged copy of the
 * scripts: the exact bytes that were scanned). A path that leaves the root, a symlink
 * or a non-regular file is not read: the SARIF writer must not be a way to read
 * files outside the workspace. Unreadable files simply get no fingerprint; GitHub
 * then computes one itself from the checkout.
 */
export class SourceFingerprints {
  private readonly cache = new Map<string, Map<number, string> | null>();
  private readonly realRoot: string | null;

  constructor(
    root: string | undefined,
    private readonly sources?: ReadonlyMap<string, string>,
  ) {
    this.realRoot = root ? safeRealpath(root) : null;
  }

  hashFor(relativePath: string, line: number): string | undefined {
    if (!this.cache.has(relativePath)) this.cache.set(relativePath, this.load(relativePath));
    return this.cache.get(relativePath)?.get(line);
  }

  private load(relativePath: string): Map<number, string> | null {
    const inline = this.sources?.get(relativePath);
    if (inline !== undefined) return lineHashes(inline);
    if (!this.realRoot) return null;
    const candidate = path.join(this.realRoot, relativePath);
    if (!candidate.startsWith(`${this.realRoot}${path.sep}`)) return null;
    try {
      const st = lstatSync(candidate);
      if (!st.isFile() || st.size > MAX_FINGERPRINT_BYTES) return null;
      const real = realpathSync(candidate);
      if (!real.startsWith(`${this.realRoot}${path.sep}`)) return null;
      return lineHashes(readFileSync(real, 'utf8'));
    } catch {
      return null;
    }
  }
}

function safeRealpath(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}
