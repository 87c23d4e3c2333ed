import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadPublicKey, verifierKey } from '../../audit/keys.js';
import { type VerifyResult, verifyAuditLog } from '../../audit/verify.js';
import { UserError } from '../../errors.js';
import { verifyBoundShards } from '../../scale/merge-audit.js';
import { parseCommandArgs } from '../args.js';
import { type CliCommand, EXIT_OK } from '../command.js';

const USAGE = `Usage: airlock audit verify LOG [--public-key F] [--trusted-checkpoint F] [--strict] [--shard-dir DIR...]

Verifies an audit log: every entry's canonical form, seq and link, the Merkle root
against its checkpoint LOG.checkpoint, the checkpoint's Ed25519 signature, and (with
--trusted-checkpoint) that the log extends a checkpoint you kept elsewhere. The output
says which of these were checked; a log written without a signing key is "unsigned".

Options:
  --public-key F          Ed25519 public key (PEM): the checkpoint must carry a valid signature
                          by it (an unsigned checkpoint fails). Without it no signature is checked.
  --trusted-checkpoint F  an older checkpoint kept outside the repository (catches rollback/forks)
  --strict                an unsigned checkpoint, and entries after the checkpoint (unsigned
                          tail, torn last line), fail too
  --shard-dir DIR         (repeatable) a shard output of \`airlock gate --plan F --shard I\`: it must
                          be the one a signed \`shard\` entry of LOG binds (segment checkpoint and
                          key, report and SARIF hashes), and its segment must verify under them

Exit status: 0 verifies, 1 does not (the first bad entry is named), 2 usage error.`;

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    throw new UserError('PATH_INVALID', `cannot read ${what} ${path}`);
  }
}

export const auditVerifyCommand: CliCommand = {
  name: 'audit verify',
  summary: 'verify an audit log: chain, Merkle root, signature, consistency',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        'public-key': { type: 'string' },
        'trusted-checkpoint': { type: 'string' },
        strict: { type: 'boolean' },
        'shard-dir': { type: 'string', multiple: true },
      } as const,
      USAGE,
    );
    if (positionals.length !== 1) throw new UserError('USAGE', `expected one LOG\n\n${USAGE}`);
    const log = resolve(io.cwd, positionals[0]!);
    const publicKeyPem = values['public-key']
      ? (await readInput(resolve(io.cwd, values['public-key']), 'public key')).toString('utf8')
      : undefined;
    const trustedCheckpoint = values['trusted-checkpoint']
      ? await readInput(resolve(io.cwd, values['trusted-checkpoint']), 'trusted checkpoint')
      : undefined;
    const r = await verifyAuditLog({ log, publicKeyPem, trustedCheckpoint, strict: values.strict ?? false });
    for (const line of describeVerification(r, publicKeyPem)) io.stdout(`${line}\n`);
    const shardDirs = (values['shard-dir'] ?? []).map((d) => resolve(io.cwd, d));
    for (const line of await verifyBoundShards(log, shardDirs, r.checkpointSize)) io.stdout(`${line}\n`);
    if (!r.checkpointSigned) {
      io.stderr(
        'warning: the checkpoint is unsigned: nothing proves who wrote this log; only a checkpoint kept elsewhere (--trusted-checkpoint) catches a rewrite\n',
      );
    } else if (!r.signatureChecked) {
      io.stderr('warning: no --public-key given: the checkpoint signature was NOT checked\n');
    }
    if (r.unsignedTail > 0)
      io.stderr(`warning: ${r.unsignedTail} entries after the checkpoint are not signed\n`);
    if (r.tornTailBytes > 0) {
      io.stderr(`warning: the log ends in a torn line of ${r.tornTailBytes} bytes (a crash mid-append)\n`);
    }
    return EXIT_OK;
  },
};

/**
 * What was and was not checked, one line each. Never a bare "ok": a log verified
 * without a key proves its internal consistency, not who wrote it.
 */
export function describeVerification(r: VerifyResult, publicKeyPem: string | undefined): string[] {
  const status = r.signatureChecked
    ? 'signed, signature verified'
    : r.checkpointSigned
      ? 'signed, signature NOT checked (no --public-key)'
      : 'unsigned (the checkpoint carries no signature)';
  const signature = r.signatureChecked
    ? `verified, by ${verifierKey(r.origin, loadPublicKey(publicKeyPem as string))}`
    : r.checkpointSigned
      ? 'present, NOT checked: give --public-key'
      : 'none: the log was written without a signing key';
  return [
    `status: ${status}`,
    `chain: verified: ${r.entries} entries (from seq ${r.firstSeq}), every seq and link`,
    `merkle root: verified: checkpoint size ${r.checkpointSize}, root ${r.root}`,
    `signature: ${signature}`,
    `trusted checkpoint: ${r.trustedCheckpointChecked ? 'the log is consistent with the trusted checkpoint (it extends it)' : 'not given'}`,
  ];
}
