import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';

/**
 * The seccomp profile Podman containers get: Podman's own default profile without the
 * kernel keyring calls (add_key, keyctl, request_key), which Docker's default profile
 * refuses and Podman's allows. The keyring is not namespaced: it is per host uid, and
 * `--userns auto` gives the next container the same uid range once this one is gone,
 * so a key one script stores is there for the next script to read (a channel between
 * runs; the hostile corpus's `keyctl` case found it: "keyctl reached the host keyring").
 *
 * Podman's compat API reads `seccomp=` as a path on the service's host (it refused the
 * profile's JSON inline), so the profile is written to a private file once per process.
 */
const KEYRING_CALLS = ['add_key', 'keyctl', 'request_key'];

interface SeccompRule {
  names?: string[];
  action?: string;
  [k: string]: unknown;
}

/** Podman's profile with the keyring calls refused (EPERM). Pure: unit-tested. */
export function withoutKeyring(profile: { syscalls?: SeccompRule[]; [k: string]: unknown }): object {
  const syscalls = (profile.syscalls ?? [])
    .map((r) =>
      r.action === 'SCMP_ACT_ALLOW'
        ? { ...r, names: (r.names ?? []).filter((n) => !KEYRING_CALLS.includes(n)) }
        : r,
    )
    .filter((r) => (r.names ?? []).length > 0);
  syscalls.push({
    names: [...KEYRING_CALLS],
    action: 'SCMP_ACT_ERRNO',
    args: [],
    errnoRet: 1,
    errno: 'EPERM',
  });
  return { ...profile, syscalls };
}

let written: string | undefined;

/**
 * Writes the profile derived from Podman's default (`sourcePath`, from its /libpod/info)
 * and returns the file's path; removed when this process exits.
 */
export function podmanSeccompProfile(sourcePath: string): string {
  if (written !== undefined) return written;
  let profile: { syscalls?: SeccompRule[] };
  try {
    profile = JSON.parse(readFileSync(sourcePath, 'utf8')) as typeof profile;
  } catch (e) {
    throw new UserError(
      'ENGINE_LIMITS_UNENFORCED',
      `cannot read Podman's seccomp profile ${sourcePath} (${(e as Error).message}): the sandbox's seccomp filter cannot be set up`,
    );
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-seccomp-'));
  const file = path.join(dir, 'podman-seccomp.json');
  writeFileSync(file, JSON.stringify(withoutKeyring(profile)), { mode: 0o644 });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  written = file;
  return file;
}
