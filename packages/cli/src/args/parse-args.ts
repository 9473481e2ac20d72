import { UsageError } from '../errors.ts';

/** One `--name` option: a string, an integer (with bounds), one of a few words, or a flag. */
export type OptionSpec =
  | { readonly type: 'string' }
  | { readonly type: 'integer'; readonly min: number; readonly max?: number }
  | { readonly type: 'choice'; readonly choices: readonly string[] }
  | { readonly type: 'flag' };

/** Options by long name without the dashes, e.g. `'checkpoint-dir'`. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The value type each kind of option parses to. */
type ValueOf<S extends OptionSpec> = S extends { type: 'integer' } ? number : S extends { type: 'flag' } ? boolean : string;

export interface ParsedArgs<S extends OptionSpecs> {
  /** Arguments that are not options, in order. */
  readonly positionals: readonly string[];
  /** The options given; absent when not given. */
  readonly options: { readonly [K in keyof S]?: ValueOf<S[K]> };
}

/**
 * Parses `args` against `specs`: `--name value`, `--name=value`, and `--flag`; `--` ends the
 * options. Every mistake is a {@link UsageError} that names the option and what it expects.
 *
 * @param positionals names of the positional arguments, in order; a trailing `?` marks one optional.
 */
export function parseArgs<S extends OptionSpecs>(args: readonly string[], specs: S, positionals: readonly string[]): ParsedArgs<S> {
  const options: Record<string, string | number | boolean> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}'`);
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) throw new UsageError(`unknown option '--${name}'`);
    if (Object.hasOwn(options, name)) throw new UsageError(`option '--${name}' is given twice`);
    if (spec.type === 'flag') {
      if (eq !== -1) throw new UsageError(`option '--${name}' takes no value`);
      options[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) value = args[++i];
    options[name] = parseValue(name, spec, value);
  }
  const required = positionals.filter((p) => !p.endsWith('?')).length;
  if (rest.length < required) {
    const missing = positionals[rest.length].replace(/\?$/, '');
    throw new UsageError(`missing argument ${missing}`);
  }
  if (rest.length > positionals.length) throw new UsageError(`unexpected argument '${rest[positionals.length]}'`);
  return { positionals: rest, options: options as ParsedArgs<S>['options'] };
}

function parseValue(name: string, spec: Exclude<OptionSpec, { type: 'flag' }>, value: string | undefined): string | number {
  switch (spec.type) {
    case 'string':
      if (value === undefined || value === '') throw new UsageError(`option '--${name}' needs a value`);
      return value;
    case 'integer': {
      const range = spec.max === undefined ? `an integer ≥ ${spec.min}` : `an integer from ${spec.min} to ${spec.max}`;
      if (value === undefined || !/^-?\d+$/.test(value)) {
        throw new UsageError(`option '--${name}' needs ${range}${value === undefined ? '' : `, got '${value}'`}`);
      }
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < spec.min || (spec.max !== undefined && n > spec.max)) {
        throw new UsageError(`option '--${name}' needs ${range}, got ${value}`);
      }
      return n;
    }
    case 'choice':
      if (value === undefined || !spec.choices.includes(value)) {
        throw new UsageError(`option '--${name}' needs one of ${spec.choices.join(', ')}${value === undefined ? '' : `, got '${value}'`}`);
      }
      return value;
  }
}
