import { readFile } from 'node:fs/promises';

/**
 * Peak memory and OOM kills of a container, read from the HOST's cgroup files while the
 * container still exists. Read on the host, not inside: the script cannot influence
 * these numbers, and no extra `docker exec` is spent.
 *
 * Why not `docker inspect`'s OOMKilled: it only reflects the container's main process.
 * The script runs via `docker exec`, and the kernel's OOM killer picks it, not the keeper;
 * the cgroup's `oom_kill` counter sees every kill in the container.
 */
export interface CgroupStats {
  /** Peak memory usage in bytes (v1 memory.max_usage_in_bytes, v2 memory.peak). */
  peakMemoryBytes: number | null;
  /** OOM kills in the container's cgroup so far. */
  oomKills: number | null;
  /** The cgroup directory read, or null when none was found (container gone, or not visible). */
  dir: string | null;
}

const ROOT = '/sys/fs/cgroup';

/** Candidate cgroup dirs of a container (Docker, Podman) for the cgroupfs and systemd drivers, v1 and v2. */
export function cgroupCandidates(containerId: string): { dir: string; version: 1 | 2 }[] {
  return [
    { dir: `${ROOT}/memory/docker/${containerId}`, version: 1 },
    { dir: `${ROOT}/memory/system.slice/docker-${containerId}.scope`, version: 1 },
    { dir: `${ROOT}/system.slice/docker-${containerId}.scope`, version: 2 },
    { dir: `${ROOT}/docker/${containerId}`, version: 2 },
    // Podman (rootful): cgroupfs manager (v1 here), then the systemd one.
    { dir: `${ROOT}/memory/libpod_parent/libpod-${containerId}`, version: 1 },
    { dir: `${ROOT}/memory/machine.slice/libpod-${containerId}.scope`, version: 1 },
    { dir: `${ROOT}/machine.slice/libpod-${containerId}.scope`, version: 2 },
  ];
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/** `oom_kill N` from memory.oom_control (v1, kernel >= 4.13) or memory.events (v2). */
export function parseOomKill(text: string | null): number | null {
  if (text === null) return null;
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : null;
}

function parseBytes(text: string | null): number | null {
  if (text === null) return null;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

export async function readCgroupStats(containerId: string): Promise<CgroupStats> {
  if (!/^[0-9a-f]{64}$/.test(containerId)) return { peakMemoryBytes: null, oomKills: null, dir: null };
  for (const { dir, version } of cgroupCandidates(containerId)) {
    if (version === 1) {
      const peak = parseBytes(await readText(`${dir}/memory.max_usage_in_bytes`));
      if (peak === null) continue;
      return {
        peakMemoryBytes: peak,
        oomKills: parseOomKill(await readText(`${dir}/memory.oom_control`)),
        dir,
      };
    }
    const events = await readText(`${dir}/memory.events`);
    if (events === null) continue;
    // memory.peak exists since Linux 5.19; older v2 kernels have no peak figure.
    return {
      peakMemoryBytes: parseBytes(await readText(`${dir}/memory.peak`)),
      oomKills: parseOomKill(events),
      dir,
    };
  }
  return { peakMemoryBytes: null, oomKills: null, dir: null };
}
