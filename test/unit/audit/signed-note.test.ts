import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatCheckpointBody, parseCheckpointBody } from '../../../src/audit/checkpoint.js';
import { keyId, publicKeyOf, verifierKey } from '../../../src/audit/keys.js';
import { parseSignedNote, signNote, verifyNote } from '../../../src/audit/signed-note.js';
import { VerificationError } from '../../../src/errors.js';

// The signed-note example from golang.org/x/mod/sumdb/note (note.go docs and
// note_test.go): a known key, text and signature. Ed25519 is deterministic, so our
// signer must reproduce Go's note byte for byte, and our verifier key string must be
// the same as Go's.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

function goPrivateKey() {
  const seed = Buffer.from(GO_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1); // drop the 0x01 algorithm byte (the base64 itself contains a '+')
  // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): fixed 16-byte prefix.
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof VerificationError ? e.code : `not a VerificationError: ${e}`;
  }
  return undefined;
};

describe('C2SP signed-note', () => {
  it("reproduces Go's reference note, key ID and verifier key", () => {
    const priv = goPrivateKey();
    const pub = publicKeyOf(priv);
    expect(verifierKey('PeterNeumann', pub)).toBe(GO_VKEY);
    expect(keyId('PeterNeumann', pub).toString('hex')).toBe('c74f20a3');
    expect(signNote(GO_TEXT, 'PeterNeumann', priv, pub)).toBe(GO_NOTE);
  });

  it("parses and verifies Go's note, and rejects it after a one-letter edit", () => {
    const pub = publicKeyOf(goPrivateKey());
    const note = parseSignedNote(Buffer.from(GO_NOTE));
    expect(note.text).toBe(GO_TEXT);
    expect(note.signatures).toHaveLength(1);
    verifyNote(note, 'PeterNeumann', pub);
    const edited = parseSignedNote(Buffer.from(GO_NOTE.replace('cryptography', 'cryptographY')));
    expect(code(() => verifyNote(edited, 'PeterNeumann', pub))).toBe('AUDIT_SIGNATURE_INVALID');
  });

  it('ignores signatures by unknown keys beside ours (cosignatures)', () => {
    const pub = publicKeyOf(goPrivateKey());
    const withWitness = `${GO_NOTE}\u2014 witness.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n`;
    verifyNote(parseSignedNote(Buffer.from(withWitness)), 'PeterNeumann', pub);
    const onlyWitness = `${GO_TEXT}\n\u2014 witness.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n`;
    expect(code(() => verifyNote(parseSignedNote(Buffer.from(onlyWitness)), 'PeterNeumann', pub))).toBe(
      'AUDIT_UNKNOWN_SIGNER',
    );
  });

  // Exact newline and spelling rules: each of these is one byte away from GO_NOTE.
  const malformed: [string, string][] = [
    ['no final newline', GO_NOTE.slice(0, -1)],
    ['CRLF line ends', GO_NOTE.replace(/\n/g, '\r\n')],
    ['no blank line', GO_NOTE.replace('\n\n', '\n')],
    ['a hyphen for the em dash', GO_NOTE.replace('\u2014', '-')],
    ['two spaces after the dash', GO_NOTE.replace('\u2014 ', '\u2014  ')],
    ['a trailing space', GO_NOTE.replace(/=\n$/, '= \n')],
    ['a tab', GO_NOTE.replace('problem,', 'problem,\t')],
    ['a BOM', `\ufeff${GO_NOTE}`],
    ['base64 without padding', GO_NOTE.replace(/=\n$/, '\n')],
    ['a NUL', GO_NOTE.replace('If', 'I\0f')],
    ['an empty signature block', `${GO_TEXT}\n`],
    ['a blank signature line', `${GO_NOTE}\n`],
  ];
  for (const [what, text] of malformed) {
    it(`rejects a note with ${what}`, () => {
      expect(code(() => parseSignedNote(Buffer.from(text)))).toBe('AUDIT_CHECKPOINT_MALFORMED');
    });
  }

  it('rejects invalid UTF-8', () => {
    const bytes = Buffer.concat([
      Buffer.from(GO_NOTE.slice(0, 5)),
      Buffer.from([0xff]),
      Buffer.from(GO_NOTE.slice(5)),
    ]);
    expect(code(() => parseSignedNote(bytes))).toBe('AUDIT_CHECKPOINT_MALFORMED');
  });
});

describe('C2SP tlog-checkpoint body', () => {
  const root = Buffer.alloc(32, 7);
  const good = formatCheckpointBody({ origin: 'example.com/log', size: 42, root });

  it('round-trips', () => {
    expect(good).toBe(`example.com/log\n42\n${root.toString('base64')}\n`);
    expect(parseCheckpointBody(good)).toEqual({ origin: 'example.com/log', size: 42, root });
    expect(parseCheckpointBody(good.replace('\n42\n', '\n0\n')).size).toBe(0);
  });

  for (const size of ['042', '+5', '-1', '', ' 5', '5 ', '0x10', '1e3', '4.0', '99999999999999999']) {
    it(`rejects size ${JSON.stringify(size)}`, () => {
      expect(code(() => parseCheckpointBody(good.replace('\n42\n', `\n${size}\n`)))).toBe(
        'AUDIT_CHECKPOINT_MALFORMED',
      );
    });
  }

  it('rejects a short, long or non-canonical root and a missing line', () => {
    for (const bad of [
      good.replace(root.toString('base64'), Buffer.alloc(31).toString('base64')),
      good.replace(root.toString('base64'), Buffer.alloc(33).toString('base64')),
      good.replace(root.toString('base64'), root.toString('base64').replace(/.=$/, 'd=')),
      'example.com/log\n42\n',
      `example.com/log has space\n42\n${root.toString('base64')}\n`,
    ]) {
      expect(
        code(() => parseCheckpointBody(bad)),
        bad,
      ).toBe('AUDIT_CHECKPOINT_MALFORMED');
    }
  });
});
