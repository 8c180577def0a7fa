/**
 * CSV data: a small RFC 4180 parser and the conversion of a parsed file into a `Dataset`.
 *
 * Parser: comma-separated; fields may be quoted with `"`, a `""` inside quotes is one `"`, quoted
 * fields may span lines; LF, CRLF and CR line endings; a leading byte-order mark is skipped; blank
 * lines (anywhere, including trailing ones) are ignored. Unquoted cells are used trimmed; spaces
 * before an opening quote are skipped.
 *
 * Target encoding (`csvDataset`), decided from the whole column:
 * 1. any non-numeric cell → classes, one-hot, classNames = the distinct labels sorted (code-unit order);
 * 2. numbers that are all 0 or 1 → ONE 0/1 target column (binary: sigmoid + binary-cross-entropy);
 * 3. integers forming a run of 3…20 consecutive values (e.g. 0,1,2 or 1…10) → classes, one-hot in
 *    numeric order, classNames = the values as written (sklearn-style label columns just work;
 *    write labels as text to force classes, e.g. "c1", "c2");
 * 4. any other numbers → ONE regression target column, the values as they are.
 */
import type { Diagnostic } from '../diagnostics';
import type { CsvDataSpec, Dataset } from '../spec';

export interface CsvRow {
  /** The cells' text (quotes removed, `""` unescaped). */
  cells: string[];
  /** 1-based line where the row starts. */
  line: number;
  /** Per cell: 1-based column of its first character on its line, and 0-based offset in the text. */
  columns: number[];
  offsets: number[];
  /** Per cell: its length in the text (quotes included). */
  lengths: number[];
}

export interface CsvParseResult {
  rows: CsvRow[];
  /** An unterminated quoted field: where its opening quote is. Rows before it are in `rows`. */
  error?: { message: string; line: number; column: number; offset: number };
}

/** Splits CSV text into rows of cells with their positions. */
export function parseCsv(text: string): CsvParseResult {
  const rows: CsvRow[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = i;
  while (i < n) {
    const row: CsvRow = { cells: [], line, columns: [], offsets: [], lengths: [] };
    let anyQuoted = false;
    while (true) {
      // Spaces before an opening quote are skipped: `a, "b"` is the cells a and b.
      let q = i;
      while (text[q] === ' ' || text[q] === '\t') q++;
      if (text[q] === '"') i = q;
      const start = i;
      const column = i - lineStart + 1;
      let value: string;
      if (text[i] === '"') {
        anyQuoted = true;
        const quoteLine = line;
        let s = '';
        let closed = false;
        i++;
        while (i < n) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              s += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
            line++;
            lineStart = i + 1;
          }
          s += c;
          i++;
        }
        if (!closed) {
          return {
            rows,
            error: { message: 'this quoted field has no closing quote (")', line: quoteLine, column, offset: start },
          };
        }
        // Lenient: text between the closing quote and the next comma is kept.
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') s += text[i++];
        value = s;
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
        value = text.slice(start, i).trim();
      }
      row.cells.push(value);
      row.columns.push(column);
      row.offsets.push(start);
      row.lengths.push(i - start);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    lineStart = i;
    if (row.cells.length === 1 && !anyQuoted && row.cells[0] === '') continue; // blank line
    rows.push(row);
  }
  return { rows };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number a cell holds (decimal notation, finite), or undefined. */
export function parseNumber(cell: string): number | undefined {
  const s = cell.trim();
  if (!NUMBER.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/** Levenshtein distance (small strings only). */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The candidate closest to `name` (case-insensitive match first), if it is close enough. */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** The most diagnostics reported for bad cells before they are summarized. */
export const MAX_CELL_DIAGNOSTICS = 10;

/** Largest number of consecutive integer labels treated as classes (rule 3). */
export const MAX_INTEGER_CLASSES = 20;

const quote = (s: string) => `"${s}"`;

/** The target column encoded by the rules at the top of this file. */
export function encodeTarget(labels: readonly string[]): { targetSize: number; targets: Float64Array; classNames?: string[] } {
  const numbers = labels.map(parseNumber);
  const allNumeric = numbers.every((v) => v !== undefined);
  if (allNumeric) {
    const values = numbers as number[];
    if (values.every((v) => v === 0 || v === 1)) return { targetSize: 1, targets: Float64Array.from(values) };
    const distinct = [...new Set(values)].sort((a, b) => a - b);
    const consecutive =
      values.every(Number.isInteger) &&
      distinct.length >= 3 &&
      distinct.length <= MAX_INTEGER_CLASSES &&
      distinct[distinct.length - 1] - distinct[0] === distinct.length - 1;
    if (!consecutive) return { targetSize: 1, targets: Float64Array.from(values) };
    const k = distinct.length;
    const targets = new Float64Array(values.length * k);
    values.forEach((v, i) => (targets[i * k + (v - distinct[0])] = 1));
    const names = distinct.map((v) => labels[values.indexOf(v)].trim());
    return { targetSize: k, targets, classNames: names };
  }
  const names = [...new Set(labels.map((l) => l.trim()))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(names.map((name, j) => [name, j]));
  const k = names.length;
  const targets = new Float64Array(labels.length * k);
  labels.forEach((l, i) => (targets[i * k + (index.get(l.trim()) as number)] = 1));
  return { targetSize: k, targets, classNames: names };
}

/**
 * Converts CSV text into a dataset as `spec` describes: a header row naming the columns is required;
 * `spec.inputs` defaults to every column but `spec.target`; input cells must be finite numbers; the
 * target is encoded by the rules at the top of this file; `spec.standardize` scales each input column
 * to mean 0 and standard deviation 1. Every diagnostic has `file` = `file`, `path` = the JSON path in
 * the network file (`data.csv`, `data.target`, `data.inputs[i]`) and, where it applies, line/column.
 */
export function csvDataset(text: string, spec: CsvDataSpec, file: string): { dataset?: Dataset; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const error = (path: string, message: string, at: Partial<Diagnostic> = {}) =>
    diagnostics.push({ severity: 'error', path, message, file, ...at });
  const warning = (path: string, message: string, at: Partial<Diagnostic> = {}) =>
    diagnostics.push({ severity: 'warning', path, message, file, ...at });
  const fail = () => ({ diagnostics });

  if (text.replace(/^\uFEFF/, '').trim() === '') {
    error('data.csv', `${quote(file)} is empty; it needs a header row naming the columns and at least one data row`, { line: 1, column: 1 });
    return fail();
  }
  const parsed = parseCsv(text);
  if (parsed.error) {
    const e = parsed.error;
    error('data.csv', e.message, { line: e.line, column: e.column, offset: e.offset, length: 1 });
    return fail();
  }
  const [header, ...body] = parsed.rows;
  const at = (row: CsvRow, c: number): Partial<Diagnostic> => ({
    line: row.line,
    column: row.columns[c],
    offset: row.offsets[c],
    length: row.lengths[c],
  });

  // Header.
  if (header.cells.every((c) => parseNumber(c) !== undefined)) {
    error(
      'data.csv',
      `the first line of ${quote(file)} holds numbers, not column names; add a header row naming each column (the target is ${quote(spec.target)})`,
      { line: header.line, column: 1 },
    );
    return fail();
  }
  const names = header.cells.map((c) => c.trim());
  const byName = new Map<string, number>();
  names.forEach((name, c) => {
    if (byName.has(name)) {
      warning('data.csv', `column name ${quote(name)} appears twice in the header (columns ${(byName.get(name) as number) + 1} and ${c + 1}); the first is used`, at(header, c));
    } else {
      byName.set(name, c);
    }
  });
  const unknown = (path: string, name: string) => {
    const hint = didYouMean(name, names);
    const suggestion = hint !== undefined ? `did you mean ${quote(hint)}? ` : '';
    error(path, `no column ${quote(name)} in the header of ${quote(file)}; ${suggestion}(columns: ${names.map(quote).join(', ')})`, {
      line: header.line,
      column: 1,
    });
  };

  const targetCol = byName.get(spec.target);
  if (targetCol === undefined) unknown('data.target', spec.target);
  let inputCols: number[] = [];
  if (spec.inputs !== undefined) {
    if (spec.inputs.length === 0) error('data.inputs', 'lists no columns; name at least one input column, or leave `inputs` out to use every column but the target');
    spec.inputs.forEach((name, k) => {
      const c = byName.get(name);
      if (c === undefined) unknown(`data.inputs[${k}]`, name);
      else if (c === targetCol) error(`data.inputs[${k}]`, `${quote(name)} is the target column; it cannot also be an input`, at(header, c));
      else if (inputCols.includes(c)) error(`data.inputs[${k}]`, `${quote(name)} is listed twice`, at(header, c));
      else inputCols.push(c);
    });
  } else if (targetCol !== undefined) {
    inputCols = names.map((_, c) => c).filter((c) => c !== targetCol && byName.get(names[c]) === c);
    if (inputCols.length === 0) error('data.csv', `${quote(file)} has only the target column ${quote(spec.target)}; it needs at least one input column`, { line: header.line, column: 1 });
  }
  if (diagnostics.some((d) => d.severity === 'error') || targetCol === undefined) return fail();

  if (body.length === 0) {
    error('data.csv', `${quote(file)} has a header but no data rows`, { line: header.line, column: 1 });
    return fail();
  }

  // Rows.
  const inputPath = (k: number) => (spec.inputs !== undefined ? `data.inputs[${k}]` : 'data.csv');
  const count = body.length;
  const inputSize = inputCols.length;
  const inputs = new Float64Array(count * inputSize);
  const labels: string[] = [];
  let cellErrors = 0;
  const cellError = (path: string, message: string, where: Partial<Diagnostic>) => {
    if (cellErrors++ < MAX_CELL_DIAGNOSTICS) error(path, message, where);
  };
  body.forEach((row, r) => {
    if (row.cells.length !== names.length) {
      const extra = row.cells.length > names.length ? at(row, names.length) : { line: row.line, column: 1 };
      cellError(
        'data.csv',
        `line ${row.line} has ${row.cells.length} cell${row.cells.length === 1 ? '' : 's'}, the header (line ${header.line}) has ${names.length}`,
        extra,
      );
      return;
    }
    inputCols.forEach((c, k) => {
      const v = parseNumber(row.cells[c]);
      if (v === undefined) {
        const shown = row.cells[c] === '' ? 'an empty cell' : quote(row.cells[c]);
        cellError(inputPath(k), `line ${row.line}: ${shown} in column ${quote(names[c])} is not a number`, at(row, c));
      } else {
        inputs[r * inputSize + k] = v;
      }
    });
    const label = row.cells[targetCol].trim();
    if (label === '') cellError('data.target', `line ${row.line}: the target column ${quote(spec.target)} is empty`, at(row, targetCol));
    labels.push(label);
  });
  if (cellErrors > MAX_CELL_DIAGNOSTICS) {
    error('data.csv', `${cellErrors - MAX_CELL_DIAGNOSTICS} more bad rows or cells in ${quote(file)} not listed`);
  }
  if (cellErrors > 0) return fail();

  const { targetSize, targets, classNames } = encodeTarget(labels);
  const dataset: Dataset = {
    name: file,
    count,
    inputSize,
    targetSize,
    inputs,
    targets,
    inputNames: inputCols.map((c) => names[c]),
    source: `CSV file ${quote(file)}, target column ${quote(spec.target)}`,
  };
  if (classNames) dataset.classNames = classNames;
  if (spec.standardize) standardizeColumns(dataset);
  return { dataset, diagnostics };
}

/**
 * Scales each input column to mean 0 and (population) standard deviation 1; a constant column is
 * only centred. Returns the means and standard deviations used.
 */
export function standardizeColumns(ds: Dataset): { mean: number[]; std: number[] } {
  const { count, inputSize: m, inputs } = ds;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < m; c++) {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += inputs[i * m + c];
    const mu = count > 0 ? sum / count : 0;
    let sq = 0;
    for (let i = 0; i < count; i++) sq += (inputs[i * m + c] - mu) ** 2;
    const sd = count > 0 ? Math.sqrt(sq / count) : 0;
    const scale = sd > 1e-12 ? sd : 1;
    for (let i = 0; i < count; i++) inputs[i * m + c] = (inputs[i * m + c] - mu) / scale;
    mean.push(mu);
    std.push(sd);
  }
  return { mean, std };
}
