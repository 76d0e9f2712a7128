// A tiny schema language for the server's JSON: one declaration gives the
// TypeScript type (Infer), a runtime parser that never throws, and a JSON
// Schema (for the Python test that checks the real server against it).
//
// Parsing is forgiving on purpose: a missing or mistyped field becomes its
// neutral value ('' / 0 / false / [] / null) and is reported as a problem, so a
// page still renders while the log says exactly what did not match.

export interface Shape<T> {
  /** The value as T; problems are appended as "path: what was wrong". */
  parse(raw: unknown, path: string, problems: string[]): T;
  /** The JSON Schema of this shape (a small, standard subset). */
  schema(): Record<string, unknown>;
  /** True for fields declared with optional(): they may be absent. */
  readonly optional?: boolean;
}

export type Infer<S> = S extends Shape<infer T> ? T : never;

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function scalar<T>(type: string, test: (v: unknown) => v is T, fallback: T): Shape<T> {
  return {
    parse(raw, path, problems) {
      if (test(raw)) return raw;
      problems.push(`${path}: expected ${type}, got ${kind(raw)}`);
      return fallback;
    },
    schema: () => ({ type }),
  };
}

export const str = scalar('string', (v): v is string => typeof v === 'string', '');
export const num = scalar('number', (v): v is number => typeof v === 'number' && Number.isFinite(v), 0);
export const int = scalar('integer', (v): v is number => Number.isInteger(v), 0);
export const bool = scalar('boolean', (v): v is boolean => typeof v === 'boolean', false);

/** T or null (null is a real value, e.g. "no reset time"); a mistyped value is null too. */
export function nullable<T>(inner: Shape<T>): Shape<T | null> {
  return {
    parse(raw, path, problems) {
      if (raw === null) return null;
      if (raw === undefined) {
        problems.push(`${path}: missing`);
        return null;
      }
      const own: string[] = [];
      const value = inner.parse(raw, path, own);
      problems.push(...own);
      return own.length ? null : value;
    },
    schema: () => ({ anyOf: [inner.schema(), { type: 'null' }] }),
  };
}

/** A field that may be absent (undefined when absent). */
export function optional<T>(inner: Shape<T>): Shape<T | undefined> {
  return {
    optional: true,
    parse: (raw, path, problems) => (raw === undefined ? undefined : inner.parse(raw, path, problems)),
    schema: () => inner.schema(),
  };
}

export function arr<T>(item: Shape<T>): Shape<T[]> {
  return {
    parse(raw, path, problems) {
      if (!Array.isArray(raw)) {
        problems.push(`${path}: expected array, got ${kind(raw)}`);
        return [];
      }
      return raw.map((v, i) => item.parse(v, `${path}[${i}]`, problems));
    },
    schema: () => ({ type: 'array', items: item.schema() }),
  };
}

/** An object whose keys are data (e.g. concept -> level). */
export function record<T>(value: Shape<T>): Shape<Record<string, T>> {
  return {
    parse(raw, path, problems) {
      if (kind(raw) !== 'object') {
        problems.push(`${path}: expected object, got ${kind(raw)}`);
        return {};
      }
      return Object.fromEntries(Object.entries(raw as object).map(([k, v]) => [k, value.parse(v, `${path}.${k}`, problems)]));
    },
    schema: () => ({ type: 'object', additionalProperties: value.schema() }),
  };
}

type Fields = Record<string, Shape<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];
type Obj<F extends Fields> = { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Infer<F[K]> };

/** An object with exactly these fields: unknown extra fields are reported (and dropped). */
export function obj<F extends Fields>(fields: F): Shape<Obj<F>> & { fields: F } {
  return {
    fields,
    parse(raw, path, problems) {
      const source = kind(raw) === 'object' ? (raw as Record<string, unknown>) : {};
      if (kind(raw) !== 'object') problems.push(`${path}: expected object, got ${kind(raw)}`);
      const out: Record<string, unknown> = {};
      for (const [key, shape] of Object.entries(fields)) {
        if (!(key in source) && !shape.optional && kind(raw) === 'object') problems.push(`${path}.${key}: missing`);
        const value = shape.parse(source[key], `${path}.${key}`, key in source || shape.optional ? problems : []);
        if (value !== undefined) out[key] = value;
      }
      for (const key of Object.keys(source)) if (!(key in fields)) problems.push(`${path}.${key}: not declared`);
      return out as Obj<F>;
    },
    schema: () => ({
      type: 'object',
      properties: Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, s.schema()])),
      required: Object.entries(fields).filter(([, s]) => !s.optional).map(([k]) => k),
      additionalProperties: false,
    }),
  };
}

/** Parse and report: the value (always usable) and what did not match. */
export function check<T>(shape: Shape<T>, raw: unknown, name = '$'): { value: T; problems: string[] } {
  const problems: string[] = [];
  const value = shape.parse(raw, name, problems);
  return { value, problems };
}
