/**
 * Whether a process id names a live process on this host. Used to tell a stale lock or
 * writer marker (its process was SIGKILLed) and an orphaned container from live ones.
 * EPERM means the pid exists but belongs to another user: alive.
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
