import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';

/**
 * Where the shipped policies (default.yml, strict.yml, semgrep/) are.
 *
 * The same code runs from `src/policy/` (tsx, vitest) and from the ncc bundles in
 * `dist/action/` and `dist/cli/`, so the folder is found by walking up from this
 * module's own location until a `policies/default.yml` appears: the repository (or
 * the Action's checkout) holds both `dist/` and `policies/`. `AIRLOCK_POLICIES_DIR`
 * overrides the search for installs that put the policies elsewhere.
 */
export function policiesDir(): string {
  const fromEnv = process.env.AIRLOCK_POLICIES_DIR;
  if (fromEnv) {
    const dir = resolve(fromEnv);
    if (!existsSync(join(dir, 'default.yml'))) {
      throw new UserError('POLICY_NOT_FOUND', `AIRLOCK_POLICIES_DIR=${dir} has no default.yml`);
    }
    return dir;
  }
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'policies', 'default.yml'))) return join(dir, 'policies');
    if (dirname(dir) === dir) break;
  }
  throw new UserError(
    'POLICY_NOT_FOUND',
    `the shipped policies (policies/default.yml) were not found above ${start}; set AIRLOCK_POLICIES_DIR`,
  );
}

/** Names that `extends:` resolves against the shipped folder instead of as a path. */
export const SHIPPED_POLICY_NAMES = ['default', 'strict'] as const;

export function shippedPolicyPath(name: (typeof SHIPPED_POLICY_NAMES)[number]): string {
  return join(policiesDir(), `${name}.yml`);
}

export function isShippedName(ref: string): ref is (typeof SHIPPED_POLICY_NAMES)[number] {
  return (SHIPPED_POLICY_NAMES as readonly string[]).includes(ref);
}

/**
 * What a `--policy` flag or `policy` input names, as an absolute file path: a shipped
 * name (`default`, `strict`) is the file beside the Airlock that runs, wherever the
 * user stands (their repository has no `policies/`); anything else is a path relative
 * to `baseDir`. A bare name wins over a file of that name in `baseDir`: write
 * `./strict` to mean the file.
 */
export function resolvePolicyRef(ref: string, baseDir: string): string {
  return isShippedName(ref) ? shippedPolicyPath(ref) : resolve(baseDir, ref);
}
