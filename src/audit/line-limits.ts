/**
 * Caps checked BEFORE JSON.parse. Every line is attacker-controlled input that is
 * parsed before any signature has been checked (the checkpoint only covers the
 * Merkle root, which we can only compute by reading the lines), so a multi-GB line
 * or `[[[[...` 100,000 deep must be refused without handing it to the parser.
 * 1 MiB is far above any real event (a scan result with hundreds of rule ids is
 * a few KiB); depth 32 leaves room for nested finding data.
 */
export const MAX_LINE_BYTES = 1024 * 1024;
export const MAX_NESTING = 32;
