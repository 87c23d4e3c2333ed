import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localEngineSocket } from '../../../src/sandbox/engine-api.js';
import { ExecStreamDemuxer } from '../../../src/sandbox/exec-stream.js';

function frame(type: 1 | 2, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function demux(chunks: Buffer[]): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const d = new ExecStreamDemuxer({
    stdout: (c) => out.push(Buffer.from(c)),
    stderr: (c) => err.push(Buffer.from(c)),
  });
  for (const c of chunks) d.push(c);
  d.end();
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

describe('ExecStreamDemuxer', () => {
  const stream = Buffer.concat([
    frame(1, 'out one\n'),
    frame(2, 'err one\n'),
    frame(1, Buffer.alloc(0)),
    frame(1, `${'x'.repeat(300)}\n`),
    frame(2, 'émoji 🎉 err\n'),
  ]);

  it('splits stdout and stderr frames', () => {
    expect(demux([stream])).toEqual({
      stdout: `out one\n${'x'.repeat(300)}\n`,
      stderr: 'err one\némoji 🎉 err\n',
    });
  });

  it('gives the same result however the stream is cut into chunks (every split point, and byte by byte)', () => {
    const whole = demux([stream]);
    for (let cut = 1; cut < stream.length; cut++) {
      expect(demux([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(whole);
    }
    expect(demux([...stream].map((b) => Buffer.from([b])))).toEqual(whole);
  });

  it('passes bytes that are not a frame header on as stderr, never as stdout', () => {
    const msg =
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown\r\n';
    const wire = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), Buffer.from(msg)]);
    expect(demux([wire])).toEqual({ stdout: '', stderr: msg });
    expect(demux([wire.subarray(0, 9), wire.subarray(9)])).toEqual({ stdout: '', stderr: msg });
  });

  it('does not let a frame claim bytes it does not have: a short stream ends with what arrived', () => {
    const header = Buffer.alloc(8);
    header[0] = 1;
    header.writeUInt32BE(1000, 4);
    expect(demux([header, Buffer.from('partial')])).toEqual({ stdout: 'partial', stderr: '' });
  });
});

describe('localEngineSocket', () => {
  const noConfig = mkdtempSync(path.join(tmpdir(), 'airlock-dockercfg-'));

  it('is the default socket with no DOCKER_HOST and no context', () => {
    expect(localEngineSocket({ DOCKER_CONFIG: noConfig })).toBe('/var/run/docker.sock');
  });

  it('follows a unix:// DOCKER_HOST (a rootless engine)', () => {
    expect(
      localEngineSocket({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock', DOCKER_CONFIG: noConfig }),
    ).toBe('/run/user/1000/docker.sock');
    expect(localEngineSocket({ DOCKER_HOST: 'unix://relative.sock', DOCKER_CONFIG: noConfig })).toBeNull();
  });

  it('leaves every other endpoint to the CLI: tcp, ssh, a context from the environment or the config', () => {
    expect(localEngineSocket({ DOCKER_HOST: 'tcp://10.0.0.1:2376', DOCKER_CONFIG: noConfig })).toBeNull();
    expect(localEngineSocket({ DOCKER_HOST: 'ssh://builder', DOCKER_CONFIG: noConfig })).toBeNull();
    expect(localEngineSocket({ DOCKER_CONTEXT: 'remote', DOCKER_CONFIG: noConfig })).toBeNull();
    expect(localEngineSocket({ DOCKER_CONTEXT: 'default', DOCKER_CONFIG: noConfig })).toBe(
      '/var/run/docker.sock',
    );
    const withContext = mkdtempSync(path.join(tmpdir(), 'airlock-dockercfg-'));
    writeFileSync(path.join(withContext, 'config.json'), JSON.stringify({ currentContext: 'colima' }));
    expect(localEngineSocket({ DOCKER_CONFIG: withContext })).toBeNull();
    // DOCKER_CONTEXT=default overrides the config's context, as it does for the CLI.
    expect(localEngineSocket({ DOCKER_CONFIG: withContext, DOCKER_CONTEXT: 'default' })).toBe(
      '/var/run/docker.sock',
    );
  });
});
