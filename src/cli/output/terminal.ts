/**
 * Text from a script (its path, a finding's message, its source lines, its output)
 * shown on a terminal. The script is hostile: an ESC sequence in a comment could
 * rewrite the screen, hide a line or set the window title, and a bidirectional
 * override could make the line shown differ from the line run (trojan source). Every
 * C0/C1 control (U+0085 included), DEL and bidi control is shown as a visible
 * `\u{..}` escape instead; tabs become spaces so columns stay honest.
 */
const UNSAFE =
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/gu;

export function safeForTerminal(text: string): string {
  return text.replace(/\t/g, '  ').replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/**
 * Whether to colour, read as Node's own tty.getColorDepth reads it: FORCE_COLOR
 * decides when set ('', 1, true, 2, 3: colour; 0, false, anything else: none) and wins
 * over NO_COLOR; NO_COLOR set and non-empty means none (no-color.org); otherwise only
 * when stdout is a terminal: colour codes in a log file or a pipe are noise for
 * whoever greps it.
 */
const FORCE_ON = new Set(['', '1', 'true', '2', '3']);

export function wantColour(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return FORCE_ON.has(force);
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY && env.TERM !== 'dumb';
}

export type Paint = (style: Style, text: string) => string;
export type Style = 'red' | 'yellow' | 'green' | 'dim' | 'bold' | 'cyan';

const SGR: Record<Style, [number, number]> = {
  red: [31, 39],
  yellow: [33, 39],
  green: [32, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export function painter(colour: boolean): Paint {
  if (!colour) return (_s, text) => text;
  return (s, text) => `\u001b[${SGR[s][0]}m${text}\u001b[${SGR[s][1]}m`;
}
