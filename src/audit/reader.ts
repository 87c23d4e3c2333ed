import { once } from 'node:events';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { VerificationError } from '../errors.js';
import { MAX_LINE_BYTES } from './canonical-line.js';

/**
 * Streams the lines of a log segment (plain or gzip) into a synchronous callback,
 * through one fixed read buffer: memory stays flat however large the log is, and no
 * line is kept after its callback returns. The callback gets the line without and with
 * its `\n`; both are only valid during the call (they may be views into the read buffer).
 *
 * Files are opened with O_NOFOLLOW: a log path that is a symlink is refused rather
 * than followed out of the workspace (a pull request can commit symlinks).
 */
const READ_CHUNK = 1024 * 1024;
const NEWLINE = 0x0a;

export interface ReadResult {
  /** Complete lines seen. */
  lines: number;
  /** Bytes up to and including the last `\n` (where a torn tail starts). */
  completeBytes: number;
  /** Bytes after the last `\n`: a torn (partly written) last line, or null. */
  tail: Buffer | null;
}

class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  lines = 0;
  completeBytes = 0;

  constructor(
    private readonly onLine: (line: Buffer, withNewline: Buffer) => void,
    private readonly firstSeq: number,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) break;
      // `full` keeps the `\n`: the entry hash is over it, and slicing avoids a copy.
      let full = chunk.subarray(start, nl + 1);
      if (this.pendingBytes > 0) {
        this.checkLength(this.pendingBytes + full.length - 1);
        this.pending.push(full);
        full = Buffer.concat(this.pending, this.pendingBytes + full.length);
        this.pending = [];
        this.pendingBytes = 0;
      }
      const line = full.subarray(0, full.length - 1);
      this.checkLength(line.length);
      this.onLine(line, full);
      this.lines++;
      this.completeBytes += line.length + 1;
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.checkLength(this.pendingBytes + rest.length);
      // Copy: the caller reuses `chunk` for the next read.
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
  }

  finish(): ReadResult {
    const tail = this.pendingBytes > 0 ? Buffer.concat(this.pending, this.pendingBytes) : null;
    return { lines: this.lines, completeBytes: this.completeBytes, tail };
  }

  private checkLength(n: number): void {
    if (n > MAX_LINE_BYTES) {
      throw new VerificationError(
        'AUDIT_LINE_MALFORMED',
        `line is longer than ${MAX_LINE_BYTES} bytes`,
        this.firstSeq + this.lines,
      );
    }
  }
}

export async function openNoFollow(path: string, flags = constants.O_RDONLY) {
  try {
    return await open(path, flags | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') {
      throw new VerificationError('AUDIT_IO', `${path} is a symlink; refusing to follow it`);
    }
    throw e;
  }
}

/**
 * Reads every line of `path` (from byte `start`, plain files only). `firstSeq` is the seq
 * the first line should carry, used only to name an over-long line in the error.
 */
export async function readLines(
  path: string,
  onLine: (line: Buffer, withNewline: Buffer) => void,
  opts: { gzip?: boolean; firstSeq?: number; start?: number } = {},
): Promise<ReadResult> {
  const splitter = new LineSplitter(onLine, opts.firstSeq ?? 0);
  const fh = await openNoFollow(path);
  if (opts.gzip) {
    // Decompressed size is unbounded (a gzip bomb), but we only ever hold one line,
    // capped above, so a bomb costs time, not memory. The stream owns the file handle
    // (autoClose) and is destroyed on any exit, including a bad line mid-segment.
    const source = fh.createReadStream({ highWaterMark: READ_CHUNK });
    const gunzip = createGunzip();
    source.on('error', (e) => gunzip.destroy(e));
    source.pipe(gunzip);
    try {
      for await (const chunk of gunzip) splitter.push(chunk as Buffer);
    } catch (e) {
      if (e instanceof VerificationError) throw e;
      throw new VerificationError('AUDIT_SEGMENT_INVALID', `${path} is not a valid gzip segment`);
    } finally {
      gunzip.destroy();
      source.destroy();
      if (!source.closed) await once(source, 'close');
    }
    return splitter.finish();
  }
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    // `start`: a writer catching up reads only what other writers appended since it last looked.
    let position = opts.start ?? 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, READ_CHUNK, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      splitter.push(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return splitter.finish();
}
