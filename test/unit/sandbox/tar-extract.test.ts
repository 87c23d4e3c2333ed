import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractTar, safeRelativePath } from '../../../src/sandbox/tar-extract.js';

/** Builds a real tar stream with GNU tar (the same tool the sandbox uses) from a staged tree. */
function tarOf(build: (dir: string) => void, extra: string[] = []): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'airlock-tar-src-'));
  build(dir);
  return execFileSync(
    'tar',
    ['--create', '--file=-', `--directory=${dir}`, '--format=posix', ...extra, '.'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const dest = () => path.join(mkdtempSync(path.join(tmpdir(), 'airlock-tar-dst-')), 'out');
const limits = { maxFiles: 100, maxBytes: 1024 * 1024 };

describe('extractTar', () => {
  it('extracts regular files in subdirectories with path, bytes and sha256', async () => {
    const tar = tarOf((d) => {
      writeFileSync(path.join(d, 'plot.png'), 'PNGDATA');
      mkdirSync(path.join(d, 'tables', 'deep'), { recursive: true });
      writeFileSync(path.join(d, 'tables', 'deep', 'x.csv'), 'a,b\n1,2\n');
    });
    const out = dest();
    const r = await extractTar(tar, out, limits);
    expect(r.refused).toEqual([]);
    expect(r.truncated).toBe(false);
    expect(r.artifacts.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'plot.png', bytes: 7, sha256: sha('PNGDATA') },
      { path: 'tables/deep/x.csv', bytes: 8, sha256: sha('a,b\n1,2\n') },
    ]);
    expect(readFileSync(path.join(out, 'tables/deep/x.csv'), 'utf8')).toBe('a,b\n1,2\n');
  });

  it('handles names longer than 100 bytes (pax path records)', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}.txt`;
    const tar = tarOf((d) => {
      mkdirSync(path.join(d, 'd'.repeat(120)));
      writeFileSync(path.join(d, long), 'long');
    });
    const r = await extractTar(tar, dest(), limits);
    expect(r.artifacts.map((a) => a.path)).toEqual([long]);
  });

  it('refuses symlinks (also one pointing outside) and hard links, writes nothing through them', async () => {
    const tar = tarOf((d) => {
      symlinkSync('/etc/passwd', path.join(d, 'passwd'));
      symlinkSync('..', path.join(d, 'up'));
      writeFileSync(path.join(d, 'real'), 'r');
      execFileSync('ln', [path.join(d, 'real'), path.join(d, 'hard')]);
    });
    const out = dest();
    const r = await extractTar(tar, out, limits);
    expect(r.refused.some((x) => x.includes('passwd') && x.includes('symlink'))).toBe(true);
    expect(r.refused.some((x) => x.includes('up') && x.includes('symlink'))).toBe(true);
    expect(r.refused.some((x) => x.includes('hard link'))).toBe(true);
    for (const name of readdirSync(out)) expect(lstatSync(path.join(out, name)).isSymbolicLink()).toBe(false);
    expect(r.artifacts.map((a) => a.path)).toHaveLength(1);
  });

  it('refuses FIFOs', async () => {
    const tar = tarOf((d) => execFileSync('mkfifo', [path.join(d, 'pipe')]));
    const r = await extractTar(tar, dest(), limits);
    expect(r.refused).toEqual(['"./pipe": fifo not allowed']);
  });

  it('refuses ../ and absolute names (GNU tar -P keeps them in the stream)', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'airlock-tar-abs-'));
    const victim = path.join(base, 'victim.txt');
    writeFileSync(victim, 'evil');
    mkdirSync(path.join(base, 'a'));
    const tar = execFileSync('tar', [
      '--create',
      '--file=-',
      '--format=posix',
      '--absolute-names',
      `--directory=${path.join(base, 'a')}`,
      '../victim.txt',
      victim,
    ]);
    const out = dest();
    const r = await extractTar(tar, out, limits);
    expect(r.artifacts).toEqual([]);
    expect(r.refused.some((x) => x.includes('..'))).toBe(true);
    expect(r.refused.some((x) => x.includes('absolute'))).toBe(true);
    expect(readdirSync(path.dirname(out)).sort()).toEqual(['out']);
  });

  it('stops at the file count and byte caps and flags truncation', async () => {
    const tar = tarOf((d) => {
      for (let i = 0; i < 10; i++) writeFileSync(path.join(d, `f${i}`), 'x'.repeat(100));
    });
    const byCount = await extractTar(tar, dest(), { maxFiles: 3, maxBytes: 1_000_000 });
    expect(byCount.artifacts).toHaveLength(3);
    expect(byCount.truncated).toBe(true);
    const byBytes = await extractTar(tar, dest(), { maxFiles: 100, maxBytes: 450 });
    expect(byBytes.artifacts).toHaveLength(4);
    expect(byBytes.truncated).toBe(true);
  });

  it('flags a stream cut short by the capture cap and keeps the complete entries before it', async () => {
    const tar = tarOf(
      (d) => {
        writeFileSync(path.join(d, 'a'), 'a'.repeat(10));
        writeFileSync(path.join(d, 'b'), 'b'.repeat(50_000));
      },
      ['--sort=name'],
    );
    const cut = tar.subarray(0, tar.length - 30_000);
    const r = await extractTar(cut, dest(), limits);
    expect(r.truncated).toBe(true);
    expect(r.artifacts.map((a) => a.path)).toEqual(['a']);
  });

  it('stops on a corrupted header', async () => {
    const tar = Buffer.from(tarOf((d) => writeFileSync(path.join(d, 'a'), 'a')));
    tar[0] = (tar[0] ?? 0) ^ 0xff;
    const r = await extractTar(tar, dest(), limits);
    expect(r.truncated).toBe(true);
    expect(r.artifacts).toEqual([]);
  });

  it('never writes through a pre-existing symlink in the destination', async () => {
    const out = dest();
    mkdirSync(out, { recursive: true });
    const outside = mkdtempSync(path.join(tmpdir(), 'airlock-tar-outside-'));
    symlinkSync(outside, path.join(out, 'sub'));
    const tar = tarOf((d) => {
      mkdirSync(path.join(d, 'sub'));
      writeFileSync(path.join(d, 'sub', 'x'), 'x');
    });
    const r = await extractTar(tar, out, limits);
    expect(r.artifacts).toEqual([]);
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('safeRelativePath', () => {
  it.each([
    ['./a/b.png', 'a/b.png'],
    ['a.txt', 'a.txt'],
    ['./', ''],
  ])('%s -> %s', (name, want) => expect(safeRelativePath(name)).toEqual({ path: want }));
  it.each(['/etc/x', 'a/../../x', '..', 'a//b', 'a/./b', 'bad\nname', 'esc\u001b[31m'])(
    'refuses %j',
    (name) => expect(safeRelativePath(name)).toHaveProperty('refused'),
  );
});
