import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { UserError } from '../errors.js';

/**
 * Ed25519 keys for the audit checkpoint, with Node's built-in crypto, in PEM
 * (PKCS#8 private, SPKI public) so `openssl` reads them directly.
 *
 * The private key comes from a secret. Nothing here logs it, and errors about a bad
 * key never quote its text: a CI log is public to everyone who can read the repo.
 */

/** signed-note algorithm byte for Ed25519 (C2SP signed-note, "Signature types"). */
export const ALG_ED25519 = 0x01;

export interface AuditKeyPair {
  privatePem: string;
  publicPem: string;
}

export function generateAuditKeyPair(): AuditKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

export function loadPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new UserError('KEY_INVALID', 'the audit signing key is not a readable PEM private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new UserError('KEY_INVALID', `the audit signing key is ${key.asymmetricKeyType}, not Ed25519`);
  }
  return key;
}

export function loadPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new UserError('KEY_INVALID', 'the audit public key is not a readable PEM public key');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new UserError('KEY_INVALID', `the audit public key is ${key.asymmetricKeyType}, not Ed25519`);
  }
  return key;
}

/** The 32 raw public key bytes (RFC 8032), as signed-note key IDs and verifier keys use them. */
export function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('Ed25519 key without x');
  return Buffer.from(jwk.x, 'base64url');
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}

/** signed-note key ID: first 4 bytes of SHA-256(name || 0x0A || 0x01 || 32-byte public key). */
export function keyId(name: string, publicKey: KeyObject): Buffer {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ALG_ED25519]))
    .update(rawPublicKey(publicKey))
    .digest()
    .subarray(0, 4);
}

/**
 * The signed-note verifier key `<name>+<key ID hex>+<base64(0x01 || public key)>`, the
 * form Go's sumdb/note, witnesses and other tlog tools take.
 */
export function verifierKey(name: string, publicKey: KeyObject): string {
  const material = Buffer.concat([Buffer.from([ALG_ED25519]), rawPublicKey(publicKey)]);
  return `${name}+${keyId(name, publicKey).toString('hex')}+${material.toString('base64')}`;
}

export function signEd25519(privateKey: KeyObject, message: Uint8Array): Buffer {
  return sign(null, message, privateKey);
}

export function verifyEd25519(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  return verify(null, message, publicKey, signature);
}
