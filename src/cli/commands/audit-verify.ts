import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { verifyAuditLog } from '../../audit/verify.js';
import { UserError } from '../../errors.js';
import { parseCommandArgs } from '../args.js';
import { type CliCommand, EXIT_OK } from '../command.js';

const USAGE = `Usage: airlock audit verify LOG [--public-key F] [--trusted-checkpoint F] [--strict]

Verifies an audit log: every entry's canonical form, seq and link, the Merkle root
against the signed checkpoint beside LOG, the checkpoint's Ed25519 signature, and
(with --trusted-checkpoint) that the log extends a checkpoint you kept elsewhere.

Options:
  --public-key F          Ed25519 public key (PEM). Without it the signature is NOT checked.
  --trusted-checkpoint F  an older checkpoint kept outside the repository (catches rollback/forks)
  --strict                entries after the checkpoint (unsigned tail, torn last line) fail too

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
    io.stdout(
      `ok: ${r.entries} entries (from seq ${r.firstSeq}), checkpoint size ${r.checkpointSize}, root ${r.root}\n`,
    );
    if (!r.signatureChecked)
      io.stderr('warning: no --public-key given: the checkpoint signature was NOT checked\n');
    if (r.trustedCheckpointChecked) io.stdout('consistent with the trusted checkpoint\n');
    if (r.unsignedTail > 0)
      io.stderr(`warning: ${r.unsignedTail} entries after the checkpoint are not signed\n`);
    if (r.tornTailBytes > 0) {
      io.stderr(`warning: the log ends in a torn line of ${r.tornTailBytes} bytes (a crash mid-append)\n`);
    }
    return EXIT_OK;
  },
};
