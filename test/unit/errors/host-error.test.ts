import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { hostResourceError } from '../../../src/host-error.js';

/** A system error as Node's fs gives it (code, syscall, sometimes a path). */
function sysError(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall}`), { code, syscall, ...(path ? { path } : {}) });
}

describe('hostResourceError', () => {
  it.each([
    ['ENOSPC', 'HOST_DISK_FULL'],
    ['EDQUOT', 'HOST_DISK_FULL'],
    ['EMFILE', 'HOST_TOO_MANY_FILES'],
    ['ENFILE', 'HOST_TOO_MANY_FILES'],
    ['EROFS', 'HOST_READ_ONLY'],
  ])('%s is a UserError %s (exit 2) that names the file', (errno, code) => {
    const e = hostResourceError(sysError(errno, 'open', '/ws/.airlock/out/report.json'));
    expect(e).toBeInstanceOf(UserError);
    expect(e?.code).toBe(code);
    expect(e?.message).toContain(`(${errno}) writing /ws/.airlock/out/report.json`);
  });

  it('names what the caller was writing when the error has no path (write(2))', () => {
    expect(hostResourceError(sysError('ENOSPC', 'write'), 'artifact "plot.png"')?.message).toContain(
      'writing artifact "plot.png"',
    );
  });

  it('sees through a wrapper that kept the cause, and keeps an already typed one', () => {
    const wrapped = new Error('appending to the audit log', { cause: sysError('ENOSPC', 'write') });
    expect(hostResourceError(wrapped)?.code).toBe('HOST_DISK_FULL');
    const typed = new UserError('HOST_READ_ONLY', 'x');
    expect(hostResourceError(typed)).toBe(typed);
  });

  it('leaves everything else alone (a bug stays a bug, a missing file is not a full disk)', () => {
    expect(hostResourceError(sysError('ENOENT', 'open', '/x'))).toBeUndefined();
    expect(hostResourceError(sysError('EACCES', 'open', '/x'))).toBeUndefined();
    expect(hostResourceError(new TypeError('undefined is not a function'))).toBeUndefined();
    expect(hostResourceError(new UserError('POLICY_INVALID', 'x'))).toBeUndefined();
    expect(hostResourceError(undefined)).toBeUndefined();
  });
});
