import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultExtraCaFile, extractCertificates, readExtraCaBundle } from '../../../src/image/extra-ca.js';

let dir: string;
let certPem: string;
let keyPem: string;

beforeAll(async () => {
  // A real self-signed CA from openssl, so the X.509 parsing is exercised for real.
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-ca-test-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=Airlock test proxy CA',
      '-days',
      '1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  certPem = await readFile(path.join(dir, 'cert.pem'), 'utf8');
  keyPem = await readFile(path.join(dir, 'key.pem'), 'utf8');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('extra CA bundle', () => {
  it('keeps certificates and drops a private key that shares the file', async () => {
    const mixed = path.join(dir, 'mixed.pem');
    await writeFile(mixed, `# comment\n${keyPem}\n${certPem}\n${certPem}`);
    const bundle = await readExtraCaBundle(mixed);
    expect(bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(bundle).not.toMatch(/PRIVATE KEY/);
    expect(bundle).not.toContain('# comment');
    expect(bundle.endsWith('\n')).toBe(true);
  });

  it('handles CRLF line endings', () => {
    expect(extractCertificates(certPem.replace(/\n/g, '\r\n'), 'x')).toHaveLength(1);
  });

  it('rejects a file without certificates, and a block that is not X.509', () => {
    expect(() => extractCertificates(keyPem, 'k')).toThrowError(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
    const garbage = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(() => extractCertificates(garbage, 'g')).toThrowError(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
  });

  it('names an unreadable file as PATH_INVALID', async () => {
    await expect(readExtraCaBundle(path.join(dir, 'missing.pem'))).rejects.toMatchObject({
      code: 'PATH_INVALID',
    });
  });

  it('defaults to NODE_EXTRA_CA_CERTS, then SSL_CERT_FILE, else none', () => {
    expect(defaultExtraCaFile({ NODE_EXTRA_CA_CERTS: '/a', SSL_CERT_FILE: '/b' })).toBe('/a');
    expect(defaultExtraCaFile({ SSL_CERT_FILE: '/b' })).toBe('/b');
    expect(defaultExtraCaFile({ NODE_EXTRA_CA_CERTS: '' })).toBeUndefined();
  });
});
