import { pidAlive } from '../../src/exec/pid.js';
import { tryRunCommand } from '../../src/exec/run-command.js';

/**
 * Sandbox containers whose owning Airlock process is gone: what a run must never leave
 * behind. Containers of live processes (other tests sharing the engine) are not counted.
 */
export async function orphanContainers(): Promise<string[]> {
  const r = await tryRunCommand('docker', [
    'ps',
    '-a',
    '--filter',
    'label=org.airlock.sandbox',
    '--format',
    '{{.Names}}\t{{.Label "org.airlock.owner-pid"}}',
  ]);
  if (r.exitCode !== 0) throw new Error(`docker ps failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t') as [string, string])
    .filter(([, pid]) => !pidAlive(Number(pid)))
    .map(([name]) => name);
}
