import { UserError } from '../../errors.js';
import { buildSandboxImage } from '../../image/build-image.js';
import { defaultExtraCaFile } from '../../image/extra-ca.js';
import { DEFAULT_FLAVOR, LOCAL_IMAGE_TAGS, parseFlavor } from '../../image/flavor.js';
import { parseCommandArgs } from '../args.js';
import { type CliCommand, EXIT_OK } from '../command.js';

const usage = `Usage: airlock image build [--flavor core|full] [--tag REF] [--if-changed] [--no-cache] [--extra-ca FILE]

Builds the sandbox image from images/Dockerfile: flavor core (Python, pandas, Polars,
matplotlib, networkx, Graphviz, Bandit, Semgrep, nbclient with ipykernel, pip) or full (core plus Chromium and
the Mermaid CLI). Python wheels Debian lacks
(Polars; Bandit and Semgrep where obtainable) are downloaded on this host with pip
and installed in the image without any index. A missing base image is pulled, or
bootstrapped from Debian's archive where no registry is reachable.

Options:
  --flavor F        core (default) or full
  --tag REF         image reference to build (default ${LOCAL_IMAGE_TAGS.core} for
                    core, ${LOCAL_IMAGE_TAGS.full} for full)
  --if-changed      do nothing when REF exists and was built from the same inputs
  --no-cache        rebuild every layer, so apt picks up new Debian security
                    releases (for scheduled patch rebuilds; see docs/image.md)
  --extra-ca FILE   PEM bundle of extra CAs for the npm step (full), e.g. a TLS proxy's
                    (default: $NODE_EXTRA_CA_CERTS, else $SSL_CERT_FILE). It is used
                    only in a build stage; the shipped image does not contain it.

Progress goes to stderr; the result (ref, id, size, duration) to stdout.`;

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(0)} MB`;
}

export const imageBuildCommand: CliCommand = {
  name: 'image build',
  summary: 'build the sandbox image (offline base bootstrap where no registry is reachable)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        flavor: { type: 'string' },
        tag: { type: 'string' },
        'if-changed': { type: 'boolean' },
        'no-cache': { type: 'boolean' },
        'extra-ca': { type: 'string' },
      },
      usage,
    );
    if (positionals.length > 0) {
      throw new UserError('USAGE', `unexpected argument '${positionals[0]}'\n\n${usage}`);
    }
    const flavor = values.flavor === undefined ? DEFAULT_FLAVOR : parseFlavor(values.flavor, '--flavor');
    const tag = values.tag ?? LOCAL_IMAGE_TAGS[flavor];
    if (!tag.trim() || tag.startsWith('-')) throw new UserError('USAGE', `invalid --tag '${tag}'`);
    const result = await buildSandboxImage({
      flavor,
      tag,
      ifChanged: values['if-changed'] ?? false,
      noCache: values['no-cache'] ?? false,
      extraCaFile: values['extra-ca'] ?? defaultExtraCaFile(io.env),
      progress: (line) => io.stderr(`${line}\n`),
    });
    io.stdout(
      [
        `ref: ${result.ref}`,
        `flavor: ${result.flavor}`,
        `id: ${result.id}`,
        `built: ${result.built}`,
        `size: ${megabytes(result.sizeBytes)} (${result.sizeBytes} bytes)`,
        `duration: ${(result.durationMs / 1000).toFixed(1)} s`,
      ].join('\n') + '\n',
    );
    return EXIT_OK;
  },
};
