import path from 'node:path';

/**
 * Turns a file name a scanner printed back into the relative, forward-slash path the
 * report uses. Scanners print what they were given (`./a.py`) or, when run with an
 * absolute target, `<root>/a.py`; inside the sandbox the root is the container's
 * working directory. A name that does not resolve inside the root is not trusted
 * (a hostile file name cannot make us attribute findings elsewhere): returns null.
 */
export function toScanRelativePath(reported: string, root: string): string | null {
  if (reported.length === 0 || reported.includes('\0')) return null;
  let p = reported;
  const rootPosix = root.replace(/\\/g, '/').replace(/\/+$/, '');
  if (path.posix.isAbsolute(p)) {
    if (rootPosix === '' || !p.startsWith(`${rootPosix}/`)) return null;
    p = p.slice(rootPosix.length + 1);
  }
  const normal = path.posix.normalize(p);
  if (normal === '.' || normal === '..' || normal.startsWith('../') || path.posix.isAbsolute(normal)) {
    return null;
  }
  return normal;
}

/**
 * The argv form of a relative path: `./` in front so a file named `-r.py` or
 * `--exit-zero.py` cannot be read as an option (we also put `--` before the list).
 */
export function asDotSlashArg(relative: string): string {
  return `./${relative}`;
}
