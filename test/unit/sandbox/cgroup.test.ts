import { describe, expect, it } from 'vitest';
import { cgroupCandidates, parseOomKill, readCgroupStats } from '../../../src/sandbox/cgroup.js';

describe('cgroup stats', () => {
  it('reads the oom_kill counter from v1 memory.oom_control and v2 memory.events', () => {
    expect(parseOomKill('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n')).toBe(3);
    expect(parseOomKill('low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n')).toBe(1);
    // `oom_kill_disable 1` must not be read as a kill count.
    expect(parseOomKill('oom_kill_disable 1\nunder_oom 0\n')).toBeNull();
    expect(parseOomKill(null)).toBeNull();
  });

  it('looks where cgroupfs and systemd drivers put a container (Docker, Podman), v1 and v2', () => {
    const id = 'a'.repeat(64);
    expect(cgroupCandidates(id).map((c) => c.dir)).toEqual([
      `/sys/fs/cgroup/memory/docker/${id}`,
      `/sys/fs/cgroup/memory/system.slice/docker-${id}.scope`,
      `/sys/fs/cgroup/system.slice/docker-${id}.scope`,
      `/sys/fs/cgroup/docker/${id}`,
      `/sys/fs/cgroup/memory/libpod_parent/libpod-${id}`,
      `/sys/fs/cgroup/memory/machine.slice/libpod-${id}.scope`,
      `/sys/fs/cgroup/machine.slice/libpod-${id}.scope`,
    ]);
  });

  it('refuses an id that is not 64 hex digits (no path traversal via the id)', async () => {
    expect(await readCgroupStats('../../../etc')).toEqual({
      peakMemoryBytes: null,
      oomKills: null,
      dir: null,
    });
  });
});
