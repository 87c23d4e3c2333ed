import { UserError } from '../../errors.js';

/** What `--format` selects for stdout: the text for a person, or one document for a tool. */
export const OUTPUT_FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseFormat(value: string | undefined): OutputFormat {
  if (value === undefined) return 'text';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(value)) {
    throw new UserError('USAGE', `--format must be one of ${OUTPUT_FORMATS.join(', ')}, got '${value}'`);
  }
  return value as OutputFormat;
}
