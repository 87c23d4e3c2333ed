/**
 * Glob matching for policies (allowlist `paths`, `levels.rules[].ruleId`) in time
 * linear in the text for a given pattern: no backtracking, ever.
 *
 * Why not picomatch: it compiles a glob to a JavaScript regular expression, and V8's
 * backtracking engine takes exponential time on patterns such as
 * `scripts/*a*a*a*a*a*a*a*a*a*ab` (49 s of CPU for one path, issue 21 item 5). A
 * policy comes from the pull request under review, so its globs are hostile input.
 *
 * How: a pattern is a list of path segments; a segment is a list of tokens (a
 * literal character, `?`, a `[class]`, `*`). Both levels are matched by simulating
 * the automaton (the set of pattern positions reached so far), one character or one
 * segment at a time. The work is at most (text length + 1) x (pattern tokens + 1)
 * state visits per expanded pattern, counted in `globWork` so tests assert it.
 *
 * The syntax, the subset of picomatch's that policies use (docs/policy.md, "Globs"):
 * `*` any characters but `/`; `?` one character but `/`; `**` as a whole segment,
 * any number of segments; `[abc]`, `[a-z]`, `[^a]`/`[!a]` one character of a class;
 * `{a,b}` alternatives (nestable, at most MAX_EXPANSIONS in all); `\x` a literal x; a
 * leading `!` negates. Like picomatch with `dot: false`, nothing but a literal `.`
 * (or a class that takes `.`) matches the `.` that starts a segment, a segment
 * pattern starting with `*` or `?` never matches a hidden name,, and `**` does not
 * enter hidden folders. Extglobs (`@(a|b)`), POSIX classes (`[[:alpha:]]`) and brace
 * ranges (`{1..3}`) are refused at load time by `globProblem`, not silently misread.
 */

/** A `{a,b}{c,d}...` pattern multiplies; more alternatives than this is refused at load. */
export const MAX_EXPANSIONS = 64;

/** State visits since the process started: a work counter for tests (no wall clock). */
export const globWork = { steps: 0 };

type Token =
  | { kind: 'lit'; ch: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'class'; negated: boolean; items: (string | [string, string])[] };

type Segment = { globstar: true } | { globstar: false; tokens: Token[] };

/** Why a pattern cannot be used, in words for a policy error; undefined if it can. */
export function globProblem(pattern: string): string | undefined {
  if (/[@!?*+]\(/.test(pattern)) return 'extglobs like @(a|b) are not supported: use {a,b}';
  if (pattern.includes('[[:')) return 'POSIX classes like [[:alpha:]] are not supported: use [a-z]';
  if (/\{[^{}]*\.\.[^{}]*\}/.test(pattern)) return 'brace ranges like {1..3} are not supported: use {1,2,3}';
  const n = expandBraces(stripNegation(pattern).body, MAX_EXPANSIONS + 1).length;
  if (n > MAX_EXPANSIONS) return `braces expand to more than ${MAX_EXPANSIONS} alternatives`;
  return undefined;
}

function stripNegation(pattern: string): { negated: boolean; body: string } {
  let i = 0;
  while (pattern[i] === '!' && pattern[i + 1] !== '(') i++;
  return { negated: i % 2 === 1, body: pattern.slice(i) };
}

/** The index of the `}` closing the `{` at `open`, and the top-level commas between. */
function braceGroup(p: string, open: number): { close: number; commas: number[] } | undefined {
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return { close: i, commas };
    else if (c === ',' && depth === 1) commas.push(i);
  }
  return undefined;
}

/** `{a,b}` alternatives, left to right; a brace without a top-level comma is literal. Stops past `limit`. */
function expandBraces(p: string, limit: number): string[] {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      i++;
      continue;
    }
    if (p[i] !== '{') continue;
    const g = braceGroup(p, i);
    if (!g || g.commas.length === 0) continue;
    const cuts = [i, ...g.commas, g.close];
    const out: string[] = [];
    for (let k = 0; k + 1 < cuts.length; k++) {
      const alt = p.slice(0, i) + p.slice(cuts[k]! + 1, cuts[k + 1]) + p.slice(g.close + 1);
      for (const e of expandBraces(alt, limit - out.length)) {
        out.push(e);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }
  return [p];
}

function parseClass(seg: string, open: number): { token: Token; end: number } | undefined {
  let i = open + 1;
  let negated = false;
  if (seg[i] === '!' || seg[i] === '^') {
    negated = true;
    i++;
  }
  const items: (string | [string, string])[] = [];
  const start = i;
  for (; i < seg.length; i++) {
    let c = seg[i]!;
    if (c === ']' && i > start) return { token: { kind: 'class', negated, items }, end: i };
    if (c === '\\' && i + 1 < seg.length) c = seg[++i]!;
    if (seg[i + 1] === '-' && seg[i + 2] !== undefined && seg[i + 2] !== ']') {
      items.push([c, seg[i + 2]!]);
      i += 2;
    } else items.push(c);
  }
  return undefined; // no closing `]`: the `[` is a literal
}

function parseSegment(seg: string): Segment {
  if (seg === '**') return { globstar: true };
  const tokens: Token[] = [];
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '\\' && i + 1 < seg.length) tokens.push({ kind: 'lit', ch: seg[++i]! });
    else if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' }); // `**` inside a segment is `*`
    } else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '[') {
      const cls = parseClass(seg, i);
      if (cls) {
        tokens.push(cls.token);
        i = cls.end;
      } else tokens.push({ kind: 'lit', ch: c });
    } else tokens.push({ kind: 'lit', ch: c });
  }
  return { globstar: false, tokens };
}

function classHas(t: Extract<Token, { kind: 'class' }>, c: string): boolean {
  const hit = t.items.some((it) => (typeof it === 'string' ? it === c : it[0] <= c && c <= it[1]));
  return hit !== t.negated;
}

/** Can token `t` consume character `c`? */
function consumes(t: Token, c: string): boolean {
  if (t.kind === 'lit') return t.ch === c;
  if (t.kind === 'class') return classHas(t, c);
  return true; // any, star (a segment holds no `/`)
}

/** Token-level automaton over one segment: O(|text| x |tokens|). */
function matchSegment(tokens: Token[], text: string): boolean {
  const m = tokens.length;
  // dot: false, as picomatch: a segment pattern that starts with `*` or `?` never matches a
  // hidden name, even where the `*` would take nothing (`*.b` does not match `.b`).
  const first = tokens[0]?.kind;
  if (text.startsWith('.') && (first === 'star' || first === 'any')) return false;
  let active = new Uint8Array(m + 1);
  const close = (set: Uint8Array) => {
    for (let i = 0; i < m; i++) if (set[i] && tokens[i]!.kind === 'star') set[i + 1] = 1;
  };
  active[0] = 1;
  close(active);
  let pos = 0;
  for (const c of text) {
    const next = new Uint8Array(m + 1);
    let any = false;
    globWork.steps += m + 1;
    for (let i = 0; i < m; i++) {
      if (!active[i]) continue;
      const t = tokens[i]!;
      if (!consumes(t, c)) continue;
      if (t.kind === 'star') next[i] = 1;
      else next[i + 1] = 1;
      any = true;
    }
    if (!any) return false;
    close(next);
    active = next;
    pos++;
  }
  // `*` alone does not match an empty segment (picomatch agrees).
  return active[m] === 1 && (pos > 0 || tokens.some((t) => t.kind !== 'star'));
}

/** Segment-level automaton: `**` stays on any segment not starting with `.`. */
function matchSegments(pattern: Segment[], parts: string[]): boolean {
  const k = pattern.length;
  let active = new Uint8Array(k + 1);
  const close = (set: Uint8Array) => {
    for (let j = 0; j < k; j++) if (set[j] && pattern[j]!.globstar) set[j + 1] = 1;
  };
  active[0] = 1;
  close(active);
  for (const part of parts) {
    const next = new Uint8Array(k + 1);
    let any = false;
    globWork.steps += k + 1;
    for (let j = 0; j < k; j++) {
      if (!active[j]) continue;
      const seg = pattern[j]!;
      if (seg.globstar) {
        if (part !== '' && !part.startsWith('.')) {
          next[j] = 1;
          any = true;
        }
      } else if (matchSegment(seg.tokens, part)) {
        next[j + 1] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(next);
    active = next;
  }
  return active[k] === 1;
}

/**
 * A matcher for one pattern or a list (true when any matches, as picomatch(list)).
 * Throws on a pattern `globProblem` refuses: loadPolicy has already refused it, so
 * reaching here with one is a bug, not input.
 */
export function compileGlob(patterns: string | readonly string[]): (text: string) => boolean {
  const compiled = (typeof patterns === 'string' ? [patterns] : patterns).map((p) => {
    const problem = globProblem(p);
    if (problem) throw new Error(`glob ${JSON.stringify(p)}: ${problem}`);
    const { negated, body } = stripNegation(p);
    // `./x` means `x`, as in picomatch: workspace paths carry no `./`.
    const alternatives = expandBraces(body.replace(/^(\.\/)+/, ''), MAX_EXPANSIONS).map((e) =>
      e.split('/').map(parseSegment),
    );
    return { negated, alternatives };
  });
  return (text: string) => {
    const parts = text.split('/');
    return compiled.some(
      ({ negated, alternatives }) => alternatives.some((a) => matchSegments(a, parts)) !== negated,
    );
  };
}
