import { randomBytes } from 'node:crypto';
import { readdir, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '../exec/pid.js';
import { createOwnerFile } from './lock.js';
import type { LogLayout } from './segments.js';

/**
 * Writer markers: `F.writer-<pid>-<random>` exists while a writer has the log open.
 *
 * Writers hold the lock only while they append, so entries after the checkpoint may be
 * a live writer's run in progress, not a crashed run's leftovers. A writer that opens
 * the log records an `unsigned-tail` recovery only when no other writer is live or a
 * dead one left its marker behind. Markers decide nothing about trust (a file anyone
 * can plant must not): only whether a tail is reported as a crash.
 */
export interface WriterMarker {
  readonly path: string;
  remove(): Promise<void>;
}

const PREFIX = '.writer-';

export async function createMarker(layout: LogLayout): Promise<WriterMarker> {
  const path = `${layout.logPath}${PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
  await createOwnerFile(path);
  return { path, remove: () => unlink(path).catch(() => undefined) };
}

/**
 * Counts the other writers that have the log open, and deletes the markers of dead
 * ones (pid gone on this host), counting them as `dead`. A marker from another host
 * (a shared filesystem) cannot be judged by pid: it counts as live.
 */
export async function sweepMarkers(
  layout: LogLayout,
  mine: WriterMarker,
): Promise<{ live: number; dead: number }> {
  const prefix = `${layout.base}${PREFIX}`;
  let live = 0;
  let dead = 0;
  for (const name of await readdir(layout.dir)) {
    const path = join(layout.dir, name);
    if (!name.startsWith(prefix) || path === mine.path) continue;
    const m = /^(\d+) (\S+)\n$/.exec(await readFile(path, 'utf8').catch(() => ''));
    if (m && (m[2] !== hostname() || pidAlive(Number(m[1])))) {
      live++;
    } else {
      dead++;
      await unlink(path).catch(() => undefined);
    }
  }
  return { live, dead };
}
