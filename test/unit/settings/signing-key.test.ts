import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ActionInputs, resolveOutputs } from '../../../src/action/inputs.js';
import { generateAuditKeyPair } from '../../../src/audit/keys.js';
import { AirlockError } from '../../../src/errors.js';
import { readSigningKey } from '../../../src/settings/gate-settings.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return e instanceof AirlockError ? e.code : `not an AirlockError: ${String(e)}`;
  }
  return undefined;
}

const inputs = (over: Partial<ActionInputs>): ActionInputs => ({
  paths: ['.'],
  policy: undefined,
  mode: 'gate',
  image: undefined,
  failOn: undefined,
  uploadSarif: false,
  sarifCategory: 'airlock',
  signingKey: undefined,
  auditLog: '.airlock/audit/audit.log',
  auditBranch: undefined,
  outputDir: '.airlock/out',
  token: '',
  allowPullRequestTarget: false,
  failOnPolicyChange: false,
  uploadArtifact: false,
  artifactName: undefined,
  artifactRetentionDays: undefined,
  ...over,
});

describe('the audit signing key in the settings', () => {
  it('is parsed once into an Ed25519 private KeyObject, or absent', async () => {
    const key = await readSigningKey({ pem: generateAuditKeyPair().privatePem });
    expect(key?.type).toBe('private');
    expect(key?.asymmetricKeyType).toBe('ed25519');
    expect(await readSigningKey({ pem: '' })).toBeUndefined();
    expect(await readSigningKey({})).toBeUndefined();
  });

  it('a key that is not an Ed25519 PEM private key is the user error KEY_INVALID, before anything runs', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    expect(await codeOf(readSigningKey({ pem: String(rsa) }))).toBe('KEY_INVALID');
    expect(await codeOf(readSigningKey({ pem: 'hunter2' }))).toBe('KEY_INVALID');
    expect(
      await codeOf(
        readSigningKey({ pem: '-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n' }),
      ),
    ).toBe('KEY_INVALID');
  });

  it('the Action records every gate run: no key means an audit log with an unsigned checkpoint, not none', () => {
    const unsigned = resolveOutputs('/ws', {}, inputs({}));
    expect(unsigned.audit).toEqual({
      log: '/ws/.airlock/audit/audit.log',
      origin: 'localhost/ws/airlock-audit',
      signingKey: undefined,
    });
    expect(resolveOutputs('/ws', {}, inputs({ mode: 'scan' })).audit).toBeUndefined();
  });
});
