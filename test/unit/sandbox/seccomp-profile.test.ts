import { describe, expect, it } from 'vitest';
import {
  AIRLOCK_SECCOMP_PROFILE,
  ALLOWED_SOCKET_FAMILIES,
  DENIED_SYSCALLS,
  seccompSecurityOpt,
} from '../../../src/sandbox/seccomp-profile.js';

const allowedUnconditionally = new Set(
  AIRLOCK_SECCOMP_PROFILE.syscalls
    .filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args)
    .flatMap((r) => r.names),
);

describe('Airlock seccomp profile', () => {
  it('denies by default (an allowlist), with EPERM', () => {
    expect(AIRLOCK_SECCOMP_PROFILE.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(AIRLOCK_SECCOMP_PROFILE.defaultErrnoRet).toBe(1);
  });

  it.each(DENIED_SYSCALLS)('%s is never allowed', (name) => {
    const allowing = AIRLOCK_SECCOMP_PROFILE.syscalls.filter(
      (r) => r.action === 'SCMP_ACT_ALLOW' && r.names.includes(name),
    );
    expect(allowing).toEqual([]);
  });

  it('lists only native architectures, so socketcall/int 0x80 cannot bypass the socket filter', () => {
    expect(AIRLOCK_SECCOMP_PROFILE.archMap.map((a) => a.architecture).sort()).toEqual([
      'SCMP_ARCH_AARCH64',
      'SCMP_ARCH_X86_64',
    ]);
    expect(AIRLOCK_SECCOMP_PROFILE.archMap.every((a) => a.subArchitectures.length === 0)).toBe(true);
    expect(allowedUnconditionally.has('socketcall')).toBe(false);
  });

  it('allows socket only for UNIX, INET, INET6 and NETLINK', () => {
    expect(allowedUnconditionally.has('socket')).toBe(false);
    const families = AIRLOCK_SECCOMP_PROFILE.syscalls
      .filter((r) => r.names.includes('socket') && r.action === 'SCMP_ACT_ALLOW')
      .map((r) => r.args?.[0]?.value);
    expect(families.sort((a, b) => Number(a) - Number(b))).toEqual([...ALLOWED_SOCKET_FAMILIES]);
  });

  it('allows clone only without namespace flags', () => {
    expect(allowedUnconditionally.has('clone')).toBe(false);
    const clone = AIRLOCK_SECCOMP_PROFILE.syscalls.filter((r) => r.names.includes('clone'));
    expect(clone).toEqual([
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
    ]);
  });

  it('renders as the engine API security option, parseable JSON', () => {
    const opt = seccompSecurityOpt();
    expect(opt.startsWith('seccomp=')).toBe(true);
    expect(JSON.parse(opt.slice('seccomp='.length))).toEqual(AIRLOCK_SECCOMP_PROFILE);
  });
});

describe('the copy beside the compose overrides', () => {
  it('is the profile the Action applies (docker-compose.overrides/airlock-seccomp.json)', async () => {
    const { readFileSync } = await import('node:fs');
    const copy = JSON.parse(readFileSync('docker-compose.overrides/airlock-seccomp.json', 'utf8'));
    expect(copy).toEqual(AIRLOCK_SECCOMP_PROFILE);
  });
});
