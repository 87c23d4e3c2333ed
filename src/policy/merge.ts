/**
 * How a policy that `extends` another combines with it (docs/policy.md, "extends"):
 *
 * - scalars: the child's value replaces the parent's;
 * - mappings: merged key by key, recursively (so a child can change one limit of a profile);
 * - lists: replaced by the child's, except the two lists whose order or accumulation
 *   matters, which are concatenated with the CHILD's entries first:
 *     `levels.rules` (first match wins, so the child's rules take precedence), and
 *     `allowlist` (a child adds suppressions; it cannot silently drop the parent's).
 *
 * Both inputs are already validated per file, so keys are known field names or
 * profile names (a restricted pattern): no `__proto__` can reach here. The result is
 * built from fresh objects; neither input is modified.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const CONCATENATED = new Set(['levels.rules', 'allowlist']);

function isMapping(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone(v: Json): Json {
  if (Array.isArray(v)) return v.map(clone);
  if (isMapping(v)) return mergeAt(undefined, v, '');
  return v;
}

function mergeAt(parent: Json | undefined, child: Json | undefined, at: string): Json {
  if (child === undefined) return parent === undefined ? null : clone(parent);
  if (parent === undefined) {
    if (!isMapping(child)) return clone(child);
  }
  if (Array.isArray(child) && Array.isArray(parent) && CONCATENATED.has(at)) {
    return [...child.map(clone), ...parent.map(clone)];
  }
  if (isMapping(child)) {
    const base = isMapping(parent) ? parent : {};
    const out: Record<string, Json> = {};
    for (const key of new Set([...Object.keys(base), ...Object.keys(child)])) {
      const value = mergeAt(base[key], child[key], at ? `${at}.${key}` : key);
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return clone(child);
}

/** `child` layered over `parent` by the rules above. */
export function mergePolicies(
  parent: Record<string, unknown>,
  child: Record<string, unknown>,
): Record<string, unknown> {
  return mergeAt(parent as Json, child as Json, '') as Record<string, unknown>;
}
