import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AIRLOCK_SECCOMP_PROFILE } from './seccomp-profile.js';

/**
 * Airlock's seccomp profile (src/sandbox/seccomp-profile.ts) as a file, for what takes a
 * path rather than the JSON inline: Podman's compat API (it reads `seccomp=` as a path
 * on the service's host and refused the JSON) and the `docker run` CLI (which reads the
 * file and inlines it). Written to a private file once per process.
 *
 * Podman's own default profile allows the kernel keyring calls (add_key, keyctl,
 * request_key), which are per host uid, not namespaced: with `--userns auto:size=…` giving the
 * next container the same uid range, a key one script stored was there for the next
 * (the hostile corpus's `keyctl` case found it). Airlock's profile denies them on every
 * engine.
 */
let written: string | undefined;

export function seccompProfileFile(): string {
  if (written !== undefined) return written;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-seccomp-'));
  const file = path.join(dir, 'airlock-seccomp.json');
  writeFileSync(file, JSON.stringify(AIRLOCK_SECCOMP_PROFILE), { mode: 0o644 });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  written = file;
  return file;
}
