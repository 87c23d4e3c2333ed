import { describe, expect, it } from 'vitest';
import { machineBusyMs, withCpuAccount } from '../../../bench/lib/cpu.js';

describe('bench CPU accounting', () => {
  it('counts CPU spent meanwhile, at least this process’s own', async () => {
    expect(machineBusyMs()).toBeGreaterThan(0);
    const { value, wallMs, cpu } = await withCpuAccount(async () => {
      // Spin until this process has used 300 ms of CPU (not of wall time: the machine
      // may be shared), so what must be counted is known.
      const start = process.cpuUsage();
      let spins = 0;
      for (;;) {
        spins++;
        const u = process.cpuUsage(start);
        if (u.user + u.system >= 300_000) break;
      }
      return spins;
    });
    expect(value).toBeGreaterThan(0);
    expect(wallMs).toBeGreaterThanOrEqual(290);
    expect(cpu).not.toBeNull();
    // /proc/stat ticks are 10 ms: allow two ticks of rounding.
    expect(cpu?.selfMs).toBeGreaterThanOrEqual(300);
    expect(cpu?.busyMs).toBeGreaterThanOrEqual((cpu?.selfMs ?? 0) - 20);
    expect(cpu?.utilisation).toBeGreaterThan(0);
    expect(cpu?.utilisation).toBeLessThanOrEqual(1.05);
  });
});
