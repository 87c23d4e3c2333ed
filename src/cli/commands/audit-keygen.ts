import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateAuditKeyPair, loadPublicKey, verifierKey } from '../../audit/keys.js';
import { isValidKeyName } from '../../audit/signed-note.js';
import { UserError } from '../../errors.js';
import { parseCommandArgs } from '../args.js';
import { type CliCommand, EXIT_OK } from '../command.js';

const USAGE = `Usage: airlock audit keygen --out DIR [--origin NAME]

Writes an Ed25519 key pair for signing audit checkpoints: DIR/private.pem (mode 0600;
store it as a secret, e.g. AIRLOCK_SIGNING_KEY, then delete the file) and DIR/public.pem.
Existing files are never overwritten. Prints the signed-note verifier key
(NAME+<key id>+<base64 key>) for NAME (default: github.com/$GITHUB_REPOSITORY/airlock-audit).`;

/** O_EXCL: never overwrite a key (or write through a symlink planted at its name). */
async function writeNew(path: string, data: string, mode: number): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode,
    );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new UserError('PATH_INVALID', `${path} already exists`);
    throw new UserError('PATH_INVALID', `cannot create ${path}: ${(e as Error).message}`);
  }
  try {
    await fh.writeFile(data);
    await fh.chmod(mode); // the umask may have narrowed or the mode; make it exact
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export const auditKeygenCommand: CliCommand = {
  name: 'audit keygen',
  summary: 'create an Ed25519 key pair for signing audit checkpoints',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { out: { type: 'string' }, origin: { type: 'string' } } as const,
      USAGE,
    );
    if (!values.out || positionals.length > 0) throw new UserError('USAGE', USAGE);
    const origin =
      values.origin ??
      (io.env.GITHUB_REPOSITORY ? `github.com/${io.env.GITHUB_REPOSITORY}/airlock-audit` : undefined);
    if (origin !== undefined && !isValidKeyName(origin)) {
      throw new UserError('USAGE', 'origin must be non-empty without spaces or "+"');
    }
    const dir = resolve(io.cwd, values.out);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const pair = generateAuditKeyPair();
    await writeNew(join(dir, 'private.pem'), pair.privatePem, 0o600);
    await writeNew(join(dir, 'public.pem'), pair.publicPem, 0o644);
    io.stdout(`wrote ${join(dir, 'private.pem')} (secret, mode 0600) and ${join(dir, 'public.pem')}\n`);
    if (origin) io.stdout(`verifier key: ${verifierKey(origin, loadPublicKey(pair.publicPem))}\n`);
    else io.stdout('verifier key: pass --origin NAME to print it\n');
    return EXIT_OK;
  },
};
