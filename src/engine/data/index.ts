/**
 * Training data: inline matrices, builtin datasets (seeded synthetic sets, iris, digits) and CSV files,
 * all turned into a `Dataset` with located diagnostics. No Node or VS Code imports: reading a CSV file
 * goes through a `DataHost` the caller provides.
 */
import type { Diagnostic } from '../diagnostics';
import type { BuiltinDataSpec, BuiltinDataset, CsvDataSpec, DataSpec, Dataset, InlineDataSpec } from '../spec';
import { csvDataset, standardizeColumns } from './csv';
import { DIGITS_COUNT, digitsDataset } from './digits';
import { IRIS_COUNT, irisDataset } from './iris';
import { NOISY_SYNTHETIC, SYNTHETIC, type SyntheticName } from './synthetic';

export { csvDataset, didYouMean, encodeTarget, parseCsv, parseNumber, type CsvParseResult, type CsvRow } from './csv';
export { DIGITS_COUNT, DIGITS_SOURCE, digitsDataset } from './digits';
export { IRIS_CLASS_NAMES, IRIS_COUNT, IRIS_INPUT_NAMES, IRIS_SOURCE, irisDataset } from './iris';
export {
  BLOB_CENTERS,
  CIRCLE_RADII,
  DATA_STREAM,
  NOISY_SYNTHETIC,
  SYNTHETIC,
  SYNTHETIC_DEFAULTS,
  type DataGenerator,
  type GeneratorOptions,
  type SyntheticName,
} from './synthetic';

/** File access for CSV data, provided by the extension, the CLI or a test. */
export interface DataHost {
  /**
   * The text of `path`, exactly as written in the network file; the host resolves it relative to the
   * network file and throws (or rejects) when the file is missing or unreadable.
   */
  readText(path: string): Promise<string>;
}

export interface LoadResult {
  dataset?: Dataset;
  diagnostics: Diagnostic[];
}

/** Scales each input column to mean 0 and standard deviation 1 (population); constant columns are only centred. */
export function standardizeInPlace(ds: Dataset): { mean: number[]; std: number[] } {
  return standardizeColumns(ds);
}

/** One line: name, example count, input size, target size and classes (or the kind of target). */
export function describeDataset(ds: Dataset): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  let kind: string;
  if (ds.classNames && ds.classNames.length > 0) {
    const shown = ds.classNames.length <= 12 ? ds.classNames.join(', ') : `${ds.classNames.slice(0, 12).join(', ')}, …`;
    kind = `one-hot, ${ds.classNames.length} classes: ${shown}`;
  } else if (ds.targetSize === 1 && ds.count > 0 && ds.targets.every((t) => t === 0 || t === 1)) {
    kind = 'binary 0/1';
  } else {
    kind = 'numeric';
  }
  return `${ds.name}: ${plural(ds.count, 'example')}, ${plural(ds.inputSize, 'input')}, ${plural(ds.targetSize, 'target')} (${kind})`;
}

/** A builtin dataset by name; `samples` and `noise` fall back to the dataset's defaults. */
export function builtinDataset(name: BuiltinDataset, opts: { seed: number; samples?: number; noise?: number }): Dataset {
  if (name === 'iris') return irisDataset(opts.samples);
  if (name === 'digits') return digitsDataset(opts.samples);
  return SYNTHETIC[name as SyntheticName](opts);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Loads the data a network file describes. Never throws: problems come back as diagnostics whose
 * `path` is the JSON path in the network file (`data.inputs[3][1]`, `data.samples`, `data.csv`, …);
 * diagnostics about a CSV file's contents also carry its `file`, line and column.
 */
export async function loadData(spec: DataSpec, opts: { seed: number; host?: DataHost }): Promise<LoadResult> {
  const raw: unknown = spec;
  if (!isObject(raw)) return { diagnostics: [err('data', 'must be an object: { inputs, targets }, { builtin } or { csv, target }')] };
  if ('builtin' in raw) return loadBuiltin(spec as BuiltinDataSpec, opts.seed);
  if ('csv' in raw) return loadCsv(spec as CsvDataSpec, opts.host);
  if ('inputs' in raw || 'targets' in raw) return loadInline(spec as InlineDataSpec);
  return { diagnostics: [err('data', 'give inline { inputs, targets }, a { builtin } dataset or a { csv, target } file')] };
}

function err(path: string, message: string): Diagnostic {
  return { severity: 'error', path, message };
}

function warn(path: string, message: string): Diagnostic {
  return { severity: 'warning', path, message };
}

// ---------------------------------------------------------------------------------------------

function loadInline(spec: InlineDataSpec): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const matrix = (key: 'inputs' | 'targets'): { rows: number; cols: number; values: Float64Array } | undefined => {
    const m: unknown = (spec as unknown as Record<string, unknown>)[key];
    const path = `data.${key}`;
    if (m === undefined) {
      diagnostics.push(err('data', `missing "${key}": inline data needs both inputs and targets`));
      return undefined;
    }
    if (!Array.isArray(m)) {
      diagnostics.push(err(path, 'must be an array of rows, one per example, e.g. [[0, 1], [1, 0]]'));
      return undefined;
    }
    if (m.length === 0) {
      diagnostics.push(err(path, 'has no rows; give at least one example'));
      return undefined;
    }
    let cols = -1;
    let ok = true;
    m.forEach((row: unknown, r) => {
      if (!Array.isArray(row)) {
        diagnostics.push(err(`${path}[${r}]`, `must be an array of numbers (one row per example), got ${describe(row)}`));
        ok = false;
        return;
      }
      if (row.length === 0) {
        diagnostics.push(err(`${path}[${r}]`, 'is an empty row; each example needs at least one value'));
        ok = false;
        return;
      }
      if (cols < 0) cols = row.length;
      else if (row.length !== cols) {
        diagnostics.push(err(`${path}[${r}]`, `has ${row.length} value${row.length === 1 ? '' : 's'}, but ${path}[0] has ${cols}; every row needs the same length`));
        ok = false;
      }
      row.forEach((v: unknown, c) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          diagnostics.push(err(`${path}[${r}][${c}]`, `must be a finite number, got ${describe(v)}`));
          ok = false;
        }
      });
    });
    if (!ok || cols < 0) return undefined;
    const values = new Float64Array(m.length * cols);
    m.forEach((row: number[], r) => values.set(row, r * cols));
    return { rows: m.length, cols, values };
  };
  const inputs = matrix('inputs');
  const targets = matrix('targets');
  if (!inputs || !targets) return { diagnostics };
  if (inputs.rows !== targets.rows) {
    diagnostics.push(err('data.targets', `has ${targets.rows} rows, but data.inputs has ${inputs.rows}; give one target row per example`));
    return { diagnostics };
  }
  return {
    dataset: {
      name: 'inline',
      count: inputs.rows,
      inputSize: inputs.cols,
      targetSize: targets.cols,
      inputs: inputs.values,
      targets: targets.values,
      source: 'inline data in the network file',
    },
    diagnostics,
  };
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return String(v);
  return typeof v === 'object' ? 'an object' : String(v);
}

// ---------------------------------------------------------------------------------------------

function loadBuiltin(spec: BuiltinDataSpec, seed: number): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const name = spec.builtin;
  const known = name === 'iris' || name === 'digits' || Object.prototype.hasOwnProperty.call(SYNTHETIC, name);
  if (!known) {
    const names = [...Object.keys(SYNTHETIC), 'iris', 'digits'];
    return { diagnostics: [err('data.builtin', `unknown dataset ${JSON.stringify(name)}; one of ${names.join(', ')}`)] };
  }
  const { samples, noise } = spec;
  if (samples !== undefined && !(Number.isInteger(samples) && samples >= 1)) {
    diagnostics.push(err('data.samples', `must be a whole number ≥ 1, got ${describe(samples)}`));
  }
  if (noise !== undefined && !(typeof noise === 'number' && Number.isFinite(noise) && noise >= 0)) {
    diagnostics.push(err('data.noise', `must be a number ≥ 0, got ${describe(noise)}`));
  }
  if (diagnostics.length > 0) return { diagnostics };

  if (noise !== undefined && !(NOISY_SYNTHETIC as readonly string[]).includes(name)) {
    diagnostics.push(warn('data.noise', `${name} has no noise parameter; noise is ignored (it applies to ${NOISY_SYNTHETIC.join(', ')})`));
  }
  if (name === 'mazur' && samples !== undefined && samples !== 1) {
    diagnostics.push(warn('data.samples', 'mazur is a single fixed example; samples is ignored'));
  }
  const available = name === 'iris' ? IRIS_COUNT : name === 'digits' ? DIGITS_COUNT : Infinity;
  if (samples !== undefined && samples > available) {
    diagnostics.push(warn('data.samples', `${name} has ${available} examples; all of them are used`));
  }
  const dataset = builtinDataset(name, { seed, samples, noise });
  if (spec.standardize) standardizeInPlace(dataset);
  return { dataset, diagnostics };
}

// ---------------------------------------------------------------------------------------------

async function loadCsv(spec: CsvDataSpec, host: DataHost | undefined): Promise<LoadResult> {
  const file = spec.csv;
  if (typeof file !== 'string' || file.trim() === '') {
    return { diagnostics: [err('data.csv', 'must be the path of a CSV file, relative to the network file')] };
  }
  if (typeof spec.target !== 'string') {
    return { diagnostics: [err('data.target', 'must name the target column of the CSV file')] };
  }
  const cannotRead = (reason: string) =>
    err('data.csv', `cannot read ${JSON.stringify(file)} (${reason}); check the path, relative to the network file`);
  if (!host) return { diagnostics: [cannotRead('no file access here')] };
  let text: string;
  try {
    text = await host.readText(file);
  } catch (e) {
    return { diagnostics: [cannotRead(e instanceof Error ? e.message : String(e))] };
  }
  return csvDataset(text, spec, file);
}
