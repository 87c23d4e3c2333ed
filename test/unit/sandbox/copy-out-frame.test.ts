import { describe, expect, it } from 'vitest';
import { FramedStdout } from '../../../src/sandbox/copy-out-frame.js';

/**
 * The launcher's stream is `<script stdout><archive><trailer>`; the frame must give back
 * exactly the script's stdout and exactly the archive, however the bytes were chunked,
 * and must never take the script's own bytes for the archive or the other way round.
 */

const trailer = (n: number, t = 0) => Buffer.from(`airlock-copy-out ${n} ${t}\n`, 'latin1');

function stream(script: Buffer, archive: Buffer, t = 0): Buffer {
  return Buffer.concat([script, archive, trailer(archive.length, t)]);
}

function feed(frame: FramedStdout, data: Buffer, sizes: number[]): FramedStdout {
  let at = 0;
  let i = 0;
  while (at < data.length) {
    const n = Math.max(1, sizes[i++ % sizes.length] as number);
    frame.push(data.subarray(at, at + n));
    at += n;
  }
  return frame;
}

/** Bytes that look like everything the parser keys on: newlines, the tag, digits. */
const nasty = (n: number, seed: number) => {
  const parts = ['airlock-copy-out 5 0\n', '\n', '0123456789', 'é', '\0'];
  let s = '';
  let x = seed;
  while (Buffer.byteLength(s) < n) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    s += parts[x % parts.length];
  }
  return Buffer.from(s).subarray(0, n);
};

describe('FramedStdout', () => {
  it('splits the script stdout from the archive at every chunking', () => {
    const script = nasty(3000, 1);
    const archive = nasty(5000, 2);
    const data = stream(script, archive, 0);
    for (const sizes of [[data.length], [1], [7, 3, 512], [4096], [2999, 1, 5000]]) {
      const f = feed(new FramedStdout(1 << 20, 1 << 20), data, sizes);
      expect(f.total).toBe(script.length);
      expect(f.truncated).toBe(false);
      expect(f.toString()).toBe(script.toString('utf8'));
      const a = f.archive();
      expect(a.ok).toBe(true);
      if (a.ok) {
        expect(a.archive.equals(archive)).toBe(true);
        expect(a.tarExitCode).toBe(0);
      }
    }
  });

  it('reports the script stdout cap as a plain exec would, and still finds the archive', () => {
    const script = Buffer.alloc(50_000, 0x61);
    const archive = nasty(2048, 3);
    const f = feed(new FramedStdout(1000, 10_000), stream(script, archive), [333]);
    expect(f.total).toBe(50_000);
    expect(f.truncated).toBe(true);
    expect(f.toString()).toBe('a'.repeat(1000));
    const a = f.archive();
    expect(a.ok && a.archive.equals(archive)).toBe(true);
  });

  it('keeps the archive out of the script text when the script printed less than its cap', () => {
    const f = feed(
      new FramedStdout(1000, 10_000),
      stream(Buffer.from('hi\n'), Buffer.alloc(1536, 0x7a)),
      [64],
    );
    expect(f.toString()).toBe('hi\n');
    expect(f.total).toBe(3);
  });

  it('gives the tar exit status and an empty archive', () => {
    const f = feed(new FramedStdout(100, 100), stream(Buffer.from('x'), Buffer.alloc(0), 2), [5]);
    expect(f.archive()).toEqual({ ok: true, archive: Buffer.alloc(0), tarExitCode: 2 });
    expect(f.toString()).toBe('x');
  });

  it('without a trailer (the launcher was killed): all of stdout is the script’s, no archive', () => {
    const f = feed(new FramedStdout(100, 100), Buffer.from('partial output\nairlock-copy-out 3'), [4]);
    expect(f.toString()).toBe('partial output\nairlock-copy-out 3');
    expect(f.total).toBe(33);
    const a = f.archive();
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.problem).toMatch(/did not complete/);
  });

  it('a trailer without a count (tar could not start): no archive, the trailer kept out of the script text', () => {
    const f = feed(new FramedStdout(100, 100), Buffer.from('out\nairlock-copy-out - 255\n'), [3]);
    expect(f.toString()).toBe('out\n');
    expect(f.total).toBe(4);
    const a = f.archive();
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.problem).toMatch(/could not archive .*exit 255/);
  });

  it('refuses a trailer that claims more bytes than the stream has', () => {
    const f = feed(new FramedStdout(100, 1000), Buffer.concat([Buffer.from('ab'), trailer(500)]), [1]);
    const a = f.archive();
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.problem).toMatch(/malformed/);
    expect(f.total).toBe(2 + trailer(500).length);
  });

  it('refuses an archive over the cap whole, keeping bounded memory, and counts the script part right', () => {
    const archive = Buffer.alloc(300_000, 0x41);
    const f = feed(new FramedStdout(100, 10_000), stream(Buffer.from('out\n'), archive), [4096]);
    const a = f.archive();
    expect(a).toEqual(expect.objectContaining({ ok: false, truncated: true }));
    if (!a.ok) expect(a.problem).toMatch(/300000 bytes.*larger than the copy-out cap/);
    expect(f.total).toBe(4);
    expect(f.toString()).toBe('out\n');
  });

  it('a forged trailer printed mid-stream is the script’s text, not framing', () => {
    const script = Buffer.from('airlock-copy-out 0 0\nmore\n');
    const archive = Buffer.alloc(1024, 0x42);
    const f = feed(new FramedStdout(1000, 5000), stream(script, archive), [3]);
    expect(f.toString()).toBe(script.toString());
    const a = f.archive();
    expect(a.ok && a.archive.equals(archive)).toBe(true);
  });
});
