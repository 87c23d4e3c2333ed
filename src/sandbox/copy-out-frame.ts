import { CappedBuffer, type OutputCapture } from '../exec/run-command.js';
import { COPY_OUT_TAG } from './exec-config.js';

/**
 * Splits the stdout of a run under COPY_OUT_LAUNCHER (src/sandbox/exec-config.ts) back
 * into the script's own stdout and the tar of its output directory:
 *
 *     <script's stdout> <tar, N bytes> "airlock-copy-out N T\n"
 *
 * The trailer is read from the end, so nothing the script printed is ever taken for
 * framing unless it is the very last line (and a script that forges that line gets a
 * broken archive of its own output, nothing more). What is kept is bounded whatever the
 * script prints: the first `maxScriptBytes` (the script's stdout cap, as before) and a
 * window of the last `maxArchiveBytes` + a trailer; an archive larger than that window is
 * refused whole, never read in part.
 *
 * As an OutputCapture it reports the script's part only, so the CommandResult of the exec
 * (text, byte count, truncation) is exactly what a plain exec of the script would give.
 */

/** Longest trailer line: tag, two numbers, separators. */
const TRAILER_MAX = COPY_OUT_TAG.length + 40;
const TRAILER_RE = new RegExp(`${COPY_OUT_TAG} (\\d{1,15}|-) (\\d{1,3})\\n$`);

export type ArchiveFrame =
  | { ok: true; archive: Buffer; tarExitCode: number }
  | { ok: false; problem: string; truncated: boolean };

interface Parsed {
  scriptBytes: number;
  frame: ArchiveFrame;
}

export class FramedStdout implements OutputCapture {
  private readonly head: CappedBuffer;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private rawTotal = 0;
  private parsed: Parsed | null = null;

  constructor(
    private readonly maxScriptBytes: number,
    private readonly maxArchiveBytes: number,
  ) {
    this.head = new CappedBuffer(maxScriptBytes);
  }

  push(chunk: Buffer): void {
    this.parsed = null;
    this.rawTotal += chunk.length;
    this.head.push(chunk);
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    // Keep at least the window; drop whole chunks that lie entirely before it.
    const window = this.maxArchiveBytes + TRAILER_MAX;
    while (this.tail.length > 1 && this.tailBytes - (this.tail[0] as Buffer).length >= window) {
      this.tailBytes -= (this.tail.shift() as Buffer).length;
    }
  }

  /** The script's stdout bytes (the archive and trailer excluded, once they are found). */
  get total(): number {
    return this.parse().scriptBytes;
  }

  get truncated(): boolean {
    return this.total > this.maxScriptBytes;
  }

  toString(): string {
    const kept = Math.min(this.total, this.maxScriptBytes);
    return this.head.toBuffer().subarray(0, kept).toString('utf8');
  }

  /** The archive, or why there is none. Call once the stream has ended. */
  archive(): ArchiveFrame {
    return this.parse().frame;
  }

  private parse(): Parsed {
    this.parsed ??= this.split();
    return this.parsed;
  }

  private split(): Parsed {
    const tail = this.tail.length === 1 ? (this.tail[0] as Buffer) : Buffer.concat(this.tail);
    this.tail = [tail];
    const tailStart = this.rawTotal - tail.length;
    const end = tail.subarray(Math.max(0, tail.length - TRAILER_MAX)).toString('latin1');
    const at = end.lastIndexOf(`${COPY_OUT_TAG} `);
    const m = at === -1 ? null : TRAILER_RE.exec(end.slice(at));
    const refused = (scriptBytes: number, problem: string, truncated = false): Parsed => ({
      scriptBytes,
      frame: { ok: false, problem, truncated },
    });
    if (!m) {
      // The launcher did not get to the end (killed, or the script killed it).
      return refused(this.rawTotal, 'the copy-out did not complete (no archive trailer on the stream)');
    }
    const tarExitCode = Number(m[2]);
    const trailerBytes = end.length - at;
    if (m[1] === '-') {
      // tar failed before it counted: what it wrote (if anything) cannot be told from the script's.
      return refused(
        this.rawTotal - trailerBytes,
        `tar could not archive the output directory (exit ${tarExitCode})`,
      );
    }
    const archiveBytes = Number(m[1]);
    const scriptBytes = this.rawTotal - trailerBytes - archiveBytes;
    if (scriptBytes < 0) {
      return refused(this.rawTotal, 'the archive trailer is malformed (longer than the stream)');
    }
    if (archiveBytes > this.maxArchiveBytes || scriptBytes < tailStart) {
      return refused(
        scriptBytes,
        `the output archive (${archiveBytes} bytes) is larger than the copy-out cap (${this.maxArchiveBytes} bytes)`,
        true,
      );
    }
    const from = scriptBytes - tailStart;
    return {
      scriptBytes,
      frame: { ok: true, archive: tail.subarray(from, from + archiveBytes), tarExitCode },
    };
  }
}
