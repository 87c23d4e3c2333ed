import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * GitHub's published REST description (npm @octokit/openapi), used by the fake
 * GitHub server to check every request it receives and every response it sends.
 * Loaded once per process; validators are compiled lazily, per operation, because
 * the document is 13 MB and a test touches two or three operations.
 */
const require = createRequire(import.meta.url);
const DOC_PATH = require.resolve('@octokit/openapi/generated/api.github.com.json');
const DOC_ID = 'https://fake-github.invalid/openapi.json';

// ajv-formats is CommonJS with `module.exports = plugin; exports.default = plugin`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => void;

type Json = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Json;
}

export interface Operation {
  operationId: string;
  method: string;
  template: string;
  parameters: Parameter[];
  requestSchema: Json | undefined;
  requestRequired: boolean;
  requestContentTypes: string[];
  responses: Record<string, Json>;
}

export interface RouteMatch {
  operation: Operation;
  pathParams: Record<string, string>;
}

interface Route {
  template: string;
  regex: RegExp;
  names: string[];
  literals: number;
  methods: Record<string, Json>;
  pathLevelParams: unknown[];
}

let shared: OpenApiIndex | undefined;

/** The process-wide index (parsing the document takes a few hundred ms). */
export function openApiIndex(): OpenApiIndex {
  shared ??= new OpenApiIndex(JSON.parse(readFileSync(DOC_PATH, 'utf8')) as Json);
  return shared;
}

export class OpenApiIndex {
  private readonly routes: Route[];
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly components: Json;

  constructor(doc: Json) {
    this.components = doc.components as Json;
    this.routes = Object.entries(doc.paths as Record<string, Json>).map(([template, item]) => {
      const names: string[] = [];
      const pattern = template
        .split('/')
        .map((seg) => {
          const m = /^\{([^}]+)\}$/.exec(seg);
          if (m) {
            names.push(m[1] as string);
            return '([^/]+)';
          }
          return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('/');
      const { parameters, ...methods } = item;
      return {
        template,
        regex: new RegExp(`^${pattern}$`),
        names,
        literals: template.split('/').filter((s) => s && !s.startsWith('{')).length,
        methods: methods as Record<string, Json>,
        pathLevelParams: (parameters as unknown[] | undefined) ?? [],
      };
    });
    // OpenAPI 3.0 keywords (nullable, example, readOnly, x-github...) are not JSON
    // Schema: ajv understands `nullable`; strict: false ignores the annotations.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    // Formats GitHub uses beyond ajv-formats: owner/repo and Unix timestamps.
    this.ajv.addFormat('repo.nwo', /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/);
    this.ajv.addFormat('timestamp', { type: 'number', validate: (n: number) => Number.isFinite(n) });
    this.ajv.addSchema({ $id: DOC_ID, components: this.components });
  }

  /** The documented operation for METHOD + path, preferring literal segments over parameters. */
  match(method: string, path: string): RouteMatch | undefined {
    let best: { route: Route; m: RegExpExecArray } | undefined;
    for (const route of this.routes) {
      if (!route.methods[method]) continue;
      const m = route.regex.exec(path);
      if (m && (!best || route.literals > best.route.literals)) best = { route, m };
    }
    if (!best) return undefined;
    const { route, m } = best;
    const pathParams: Record<string, string> = {};
    route.names.forEach((n, i) => {
      pathParams[n] = decodeURIComponent(m[i + 1] as string);
    });
    return { operation: this.operation(route, method), pathParams };
  }

  /** Whether the path exists at all (to tell 404 from 405-like method mismatches). */
  pathExists(path: string): boolean {
    return this.routes.some((r) => r.regex.test(path));
  }

  private resolve(node: unknown): Json {
    let n = node as Json;
    while (typeof n?.$ref === 'string') {
      const parts = (n.$ref as string).replace(/^#\//, '').split('/');
      let cur: unknown = { components: this.components };
      for (const p of parts) cur = (cur as Json)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
      n = cur as Json;
    }
    return n;
  }

  private operation(route: Route, method: string): Operation {
    const op = route.methods[method] as Json;
    const params = [...route.pathLevelParams, ...((op.parameters as unknown[]) ?? [])].map(
      (p) => this.resolve(p) as unknown as Parameter,
    );
    const body = op.requestBody ? this.resolve(op.requestBody) : undefined;
    const content = (body?.content as Record<string, Json> | undefined) ?? {};
    const responses: Record<string, Json> = {};
    for (const [status, r] of Object.entries((op.responses as Json) ?? {}))
      responses[status] = this.resolve(r);
    return {
      operationId: op.operationId as string,
      method,
      template: route.template,
      parameters: params,
      requestSchema: content['application/json']?.schema as Json | undefined,
      requestRequired: body?.required === true,
      requestContentTypes: Object.keys(content),
      responses,
    };
  }

  /** Validates `value` against a schema taken from the document; returns readable errors. */
  validate(cacheKey: string, schema: Json, value: unknown): string[] {
    let v = this.validators.get(cacheKey);
    if (!v) {
      v = this.ajv.compile(rebase(schema) as Json);
      this.validators.set(cacheKey, v);
    }
    return v(value) ? [] : (v.errors ?? []).map(formatError);
  }
}

function formatError(e: ErrorObject): string {
  return `${e.instancePath || '(body)'} ${e.message ?? e.keyword}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`;
}

/** Points local `#/components/...` refs of a schema copied out of the document back at it. */
function rebase(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rebase);
  if (node && typeof node === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${DOC_ID}${v}` : rebase(v);
    }
    return out;
  }
  return node;
}
