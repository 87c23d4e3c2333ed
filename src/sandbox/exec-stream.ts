import type { ExecSinks } from './container-engine.js';

/**
 * Splits the engine's multiplexed exec stream (8-byte headers: stream type, 3 zero
 * bytes, big-endian length) into stdout and stderr. Bytes that are not a valid frame
 * header (an engine that writes an error unframed) are passed on as stderr, never
 * mistaken for the script's stdout.
 */
export class ExecStreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private frameLeft = 0;
  private frameType = 0;
  private raw = false;
  constructor(private readonly sinks: ExecSinks) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (buf.length > 0) {
      if (this.raw) {
        this.sinks.stderr(buf);
        return;
      }
      if (this.frameLeft > 0) {
        const part = buf.subarray(0, this.frameLeft);
        this.frameLeft -= part.length;
        if (this.frameType === 2) this.sinks.stderr(part);
        else this.sinks.stdout(part);
        buf = buf.subarray(part.length);
        continue;
      }
      const type = buf[0] as number;
      if (type !== 1 && type !== 2) {
        this.raw = true;
        continue;
      }
      if (buf.length < 8) {
        this.pending = Buffer.from(buf);
        return;
      }
      if (buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0) {
        this.raw = true;
        continue;
      }
      this.frameType = type;
      this.frameLeft = buf.readUInt32BE(4);
      buf = buf.subarray(8);
    }
  }

  /** What is left at the end of the stream: an incomplete header is raw text too. */
  end(): void {
    if (this.pending.length > 0) this.sinks.stderr(this.pending);
    this.pending = Buffer.alloc(0);
  }
}
