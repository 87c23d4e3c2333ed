import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';

/**
 * The extra CA bundle handed to the image build's npm step, for build machines
 * whose HTTPS goes through a TLS-intercepting proxy (enterprise runners, this
 * project's machines). It adds trust; it never turns verification off.
 *
 * Only CERTIFICATE blocks are kept, each parsed as X.509: a "bundle" that also
 * holds a private key (it happens with hand-assembled PEM files) must not be
 * copied into a build context and sent to the Docker engine.
 */
const PEM_CERT = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

/** Every certificate block of a PEM text, normalised; throws INPUT_INVALID if none or one is not X.509. */
export function extractCertificates(pem: string, source: string): string[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    throw new UserError('INPUT_INVALID', `extra CA file ${source} contains no PEM certificate`);
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block).toString().trim();
    } catch {
      throw new UserError(
        'INPUT_INVALID',
        `certificate #${i + 1} in extra CA file ${source} is not valid X.509`,
      );
    }
  });
}

/** Reads `file` and returns a clean PEM bundle (certificates only, one per block, newline-terminated). */
export async function readExtraCaBundle(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(
      'PATH_INVALID',
      `cannot read extra CA file ${file}: ${(e as NodeJS.ErrnoException).code}`,
    );
  }
  return `${extractCertificates(text, file).join('\n')}\n`;
}

/**
 * Which CA file to use when the user named none: the one the Node or OpenSSL
 * tooling of this machine is already told to trust. Explicit flag > NODE_EXTRA_CA_CERTS
 * > SSL_CERT_FILE > none.
 */
export function defaultExtraCaFile(env: NodeJS.ProcessEnv): string | undefined {
  return env.NODE_EXTRA_CA_CERTS || env.SSL_CERT_FILE || undefined;
}
