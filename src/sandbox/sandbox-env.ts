import { UserError } from '../errors.js';

/** Where the script's directory is mounted (read-only) and where it may write (a tmpfs). */
export const WORK_DIR = '/work';
export const OUTPUT_DIR = '/out';
/** Scratch tmpfs mounts; HOME points into /tmp. */
export const SCRATCH_DIRS = ['/tmp', '/var/tmp', '/run'] as const;
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * The environment inside the container: exactly these plus the run's own. Nothing of
 * process.env (runner tokens, cloud credentials) is ever passed; every value is
 * explicit, so the engine never reads a client's environment either.
 */
export function sandboxEnv(extra: Record<string, string> = {}): [string, string][] {
  const ours: Record<string, string> = {
    AIRLOCK_OUTPUT_DIR: OUTPUT_DIR,
    HOME: '/tmp',
    TMPDIR: '/tmp',
    // No display: matplotlib must not look for one.
    MPLBACKEND: 'Agg',
    MPLCONFIGDIR: '/tmp/.matplotlib',
    XDG_CACHE_HOME: '/tmp/.cache',
    XDG_CONFIG_HOME: '/tmp/.config',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    LANG: 'C.UTF-8',
  };
  for (const key of Object.keys(extra)) {
    if (!ENV_KEY_RE.test(key))
      throw new UserError('INPUT_INVALID', `invalid sandbox environment name: ${key}`);
    // The caller may not move the output directory or HOME off the bounded tmpfs.
    if (Object.hasOwn(ours, key)) throw new UserError('INPUT_INVALID', `sandbox environment ${key} is fixed`);
    if ((extra[key] ?? '').includes('\0')) throw new UserError('INPUT_INVALID', `NUL in sandbox env ${key}`);
  }
  return [...Object.entries(ours), ...Object.entries(extra)];
}
