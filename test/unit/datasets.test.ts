import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  BLOB_CENTERS,
  SYNTHETIC,
  SYNTHETIC_DEFAULTS,
  builtinDataset,
  csvDataset,
  describeDataset,
  digitsDataset,
  irisDataset,
  loadData,
  parseCsv,
  standardizeInPlace,
  type DataHost,
  type SyntheticName,
} from '../../src/engine/data/index';
import { spiral } from '../../src/engine/data/synthetic';
import type { CsvDataSpec, Dataset } from '../../src/engine/spec';

const root = typeof __dirname === 'string' ? join(__dirname, '..', '..') : process.cwd();

/** Rows of a plain (unquoted) CSV file as arrays of cells. */
function plainCsv(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(','));
}

const irisCsv = plainCsv(readFileSync(join(root, 'data', 'iris.csv'), 'utf8'));
const digitsCsv = plainCsv(gunzipSync(readFileSync(join(root, 'data', 'digits.csv.gz'))).toString('utf8'));

const row = (a: Float64Array, i: number, width: number) => Array.from(a.subarray(i * width, (i + 1) * width));
const argmax = (v: number[]) => v.indexOf(Math.max(...v));

/** Asserts every target row is one-hot and returns the per-class counts. */
function oneHotCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.targetSize).fill(0);
  for (let i = 0; i < ds.count; i++) {
    const t = row(ds.targets, i, ds.targetSize);
    assert.equal(t.filter((v) => v === 1).length, 1, `row ${i} is one-hot`);
    assert.equal(t.filter((v) => v === 0).length, ds.targetSize - 1, `row ${i} is one-hot`);
    counts[argmax(t)]++;
  }
  return counts;
}

function assertShape(ds: Dataset, count: number, inputSize: number, targetSize: number) {
  assert.equal(ds.count, count);
  assert.equal(ds.inputSize, inputSize);
  assert.equal(ds.targetSize, targetSize);
  assert.equal(ds.inputs.length, count * inputSize);
  assert.equal(ds.targets.length, count * targetSize);
  assert.ok(ds.inputs.every(Number.isFinite));
}

// -------------------------------------------------------------------------------------------------

describe('iris', () => {
  const ds = irisDataset();

  it('has 150 examples, 4 named inputs, 3 one-hot classes of 50', () => {
    assertShape(ds, 150, 4, 3);
    assert.deepEqual(oneHotCounts(ds), [50, 50, 50]);
    assert.deepEqual(ds.classNames, ['setosa', 'versicolor', 'virginica']);
    assert.deepEqual(ds.inputNames, ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']);
    assert.match(ds.source ?? '', /Fisher.*CC BY 4\.0.*scikit-learn.*BSD-3-Clause/);
  });

  it('starts with 5.1, 3.5, 1.4, 0.2 (setosa)', () => {
    assert.deepEqual(row(ds.inputs, 0, 4), [5.1, 3.5, 1.4, 0.2]);
    assert.deepEqual(row(ds.targets, 0, 3), [1, 0, 0]);
    assert.deepEqual(row(ds.inputs, 149, 4), [5.9, 3.0, 5.1, 1.8]);
    assert.deepEqual(row(ds.targets, 149, 3), [0, 0, 1]);
  });

  it('equals data/iris.csv value for value', () => {
    const [head, ...rows] = irisCsv;
    assert.deepEqual(head, ['150', '4', 'setosa', 'versicolor', 'virginica']);
    assert.equal(rows.length, 150);
    rows.forEach((cells, i) => {
      assert.deepEqual(row(ds.inputs, i, 4), cells.slice(0, 4).map(Number), `row ${i}`);
      assert.equal(argmax(row(ds.targets, i, 3)), Number(cells[4]), `row ${i}`);
    });
  });

  it('samples keeps the first N examples', () => {
    const few = irisDataset(10);
    assertShape(few, 10, 4, 3);
    assert.deepEqual(Array.from(few.inputs), Array.from(ds.inputs.subarray(0, 40)));
    assert.equal(irisDataset(1000).count, 150);
  });
});

describe('digits', () => {
  const ds = digitsDataset();

  it('has 1797 examples, 64 inputs in [0, 1], 10 one-hot classes', () => {
    assertShape(ds, 1797, 64, 10);
    assert.ok(ds.inputs.every((v) => v >= 0 && v <= 1));
    assert.equal(Math.max(...ds.inputs), 1);
    assert.deepEqual(ds.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(ds.inputNames?.length, 64);
    assert.match(ds.source ?? '', /Alpaydin.*CC BY 4\.0.*scikit-learn.*BSD-3-Clause/);
  });

  it('has the class counts of data/digits.csv.gz', () => {
    const expected = new Array<number>(10).fill(0);
    for (const cells of digitsCsv) expected[Number(cells[64])]++;
    assert.deepEqual(expected, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    assert.deepEqual(oneHotCounts(ds), expected);
  });

  it('equals data/digits.csv.gz / 16, starting with a 0', () => {
    assert.equal(digitsCsv.length, 1797);
    assert.equal(argmax(row(ds.targets, 0, 10)), 0);
    assert.equal(argmax(row(ds.targets, 1, 10)), 1);
    assert.deepEqual(row(ds.inputs, 0, 64).slice(0, 8), [0, 0, 5, 13, 9, 1, 0, 0].map((v) => v / 16));
    digitsCsv.forEach((cells, i) => {
      assert.deepEqual(row(ds.inputs, i, 64), cells.slice(0, 64).map((v) => Number(v) / 16), `row ${i}`);
      assert.equal(argmax(row(ds.targets, i, 10)), Number(cells[64]), `row ${i}`);
    });
  });

  it('samples keeps the first N examples; the module stays under 150 KB', () => {
    const few = digitsDataset(5);
    assertShape(few, 5, 64, 10);
    assert.deepEqual(Array.from(few.targets), Array.from(ds.targets.subarray(0, 50)));
    assert.ok(statSync(join(root, 'src', 'engine', 'data', 'digits.ts')).size < 150 * 1024);
  });
});

// -------------------------------------------------------------------------------------------------

describe('synthetic generators', () => {
  const names = Object.keys(SYNTHETIC) as SyntheticName[];
  const shapes: Record<SyntheticName, [count: number, inputs: number, targets: number]> = {
    xor: [4, 2, 1],
    and: [4, 2, 1],
    or: [4, 2, 1],
    mazur: [1, 2, 2],
    circle: [200, 2, 1],
    spiral: [300, 2, 3],
    blobs: [150, 2, 3],
    moons: [200, 2, 1],
  };

  it('have the documented default shapes', () => {
    for (const name of names) {
      const ds = SYNTHETIC[name]({ seed: 7 });
      assertShape(ds, ...shapes[name]);
      assert.equal(ds.count, SYNTHETIC_DEFAULTS[name].samples, name);
      assert.equal(ds.name, name);
      assert.deepEqual(builtinDataset(name, { seed: 7 }), ds);
    }
  });

  it('are deterministic for a seed', () => {
    for (const name of names) {
      assert.deepEqual(SYNTHETIC[name]({ seed: 42, samples: 50, noise: 0.2 }), SYNTHETIC[name]({ seed: 42, samples: 50, noise: 0.2 }), name);
    }
  });

  it('differ across seeds (the random ones)', () => {
    for (const name of ['circle', 'spiral', 'blobs', 'moons'] as const) {
      const a = SYNTHETIC[name]({ seed: 1 });
      const b = SYNTHETIC[name]({ seed: 2 });
      assert.notDeepEqual(Array.from(a.inputs), Array.from(b.inputs), name);
      // Classes are interleaved, so the targets do not depend on the seed.
      assert.deepEqual(Array.from(a.targets), Array.from(b.targets), name);
    }
  });

  it('give binary targets (one 0/1 column) or one-hot targets with classNames, classes balanced', () => {
    for (const name of ['circle', 'moons'] as const) {
      const ds = SYNTHETIC[name]({ seed: 3, samples: 101 });
      assert.ok(ds.targets.every((t) => t === 0 || t === 1), name);
      assert.equal(ds.targets.reduce((s, t) => s + t, 0), name === 'circle' ? 51 : 50, name);
      assert.equal(ds.classNames, undefined);
    }
    assert.deepEqual(oneHotCounts(SYNTHETIC.spiral({ seed: 3 })), [100, 100, 100]);
    assert.deepEqual(oneHotCounts(SYNTHETIC.blobs({ seed: 3, samples: 31 })), [11, 10, 10]);
    assert.deepEqual(SYNTHETIC.blobs({ seed: 3 }).classNames, ['A', 'B', 'C']);
    const two = spiral({ seed: 3, samples: 10, classes: 2 });
    assertShape(two, 10, 2, 2);
    assert.deepEqual(oneHotCounts(two), [5, 5]);
  });

  it('boolean sets are the truth tables, cycled by samples', () => {
    const xor = SYNTHETIC.xor({ seed: 1 });
    assert.deepEqual(Array.from(xor.inputs), [0, 0, 0, 1, 1, 0, 1, 1]);
    assert.deepEqual(Array.from(xor.targets), [0, 1, 1, 0]);
    assert.deepEqual(Array.from(SYNTHETIC.and({ seed: 1 }).targets), [0, 0, 0, 1]);
    assert.deepEqual(Array.from(SYNTHETIC.or({ seed: 1 }).targets), [0, 1, 1, 1]);
    assert.deepEqual(Array.from(SYNTHETIC.xor({ seed: 1, samples: 6 }).targets), [0, 1, 1, 0, 0, 1]);
    assert.deepEqual(SYNTHETIC.xor({ seed: 1 }), SYNTHETIC.xor({ seed: 99, noise: 0.5 }));
  });

  it('mazur is the single worked example', () => {
    const ds = SYNTHETIC.mazur({ seed: 5, samples: 10 });
    assert.deepEqual(Array.from(ds.inputs), [0.05, 0.1]);
    assert.deepEqual(Array.from(ds.targets), [0.01, 0.99]);
  });

  it("circle's labels agree with the radius", () => {
    const exact = SYNTHETIC.circle({ seed: 11, noise: 0 });
    for (let i = 0; i < exact.count; i++) {
      const r = Math.hypot(exact.inputs[2 * i], exact.inputs[2 * i + 1]);
      assert.equal(exact.targets[i], r < 0.6 ? 1 : 0, `example ${i}, r = ${r}`);
      assert.ok(r < 0.5 || (r >= 0.7 && r < 1), `example ${i}, r = ${r}`);
    }
    const noisy = SYNTHETIC.circle({ seed: 11 });
    let agree = 0;
    for (let i = 0; i < noisy.count; i++) {
      agree += Number(noisy.targets[i] === (Math.hypot(noisy.inputs[2 * i], noisy.inputs[2 * i + 1]) < 0.6 ? 1 : 0));
    }
    assert.ok(agree / noisy.count > 0.85 && agree < noisy.count, `noise 0.1: ${agree} of ${noisy.count} agree`);
  });

  it('noise 0 puts blobs on their centres and moons on their arcs', () => {
    const b = SYNTHETIC.blobs({ seed: 4, samples: 9, noise: 0 });
    for (let i = 0; i < 9; i++) {
      assert.ok(Math.abs(b.inputs[2 * i] - BLOB_CENTERS[i % 3][0]) < 1e-12);
      assert.ok(Math.abs(b.inputs[2 * i + 1] - BLOB_CENTERS[i % 3][1]) < 1e-12);
    }
    const m = SYNTHETIC.moons({ seed: 4, samples: 50, noise: 0 });
    for (let i = 0; i < 50; i++) {
      const [x, y] = [m.inputs[2 * i] + 0.5, m.inputs[2 * i + 1] + 0.25];
      const r = m.targets[i] === 0 ? Math.hypot(x, y) : Math.hypot(x - 1, y - 0.5);
      assert.ok(Math.abs(r - 1) < 1e-12, `example ${i}`);
      assert.ok(m.targets[i] === 0 ? y >= 0 : y <= 0.5);
    }
  });

  it('larger noise spreads the points more', () => {
    const spread = (noise: number) => {
      const ds = SYNTHETIC.blobs({ seed: 8, samples: 300, noise });
      let s = 0;
      for (let i = 0; i < ds.count; i++) s += (ds.inputs[2 * i] - BLOB_CENTERS[i % 3][0]) ** 2;
      return Math.sqrt(s / ds.count);
    };
    assert.ok(Math.abs(spread(0.3) - 0.3) < 0.05);
    assert.ok(Math.abs(spread(1) - 1) < 0.15);
  });
});

// -------------------------------------------------------------------------------------------------

describe('parseCsv', () => {
  it('handles quotes, "" escapes, embedded commas and newlines, CRLF, a BOM and blank lines', () => {
    const text = '\uFEFFname,note\r\n"Smith, J","said ""hi"""\r\n\r\nplain , "two\r\nlines"\r\nlast,x\r\n\r\n\r\n';
    const { rows, error } = parseCsv(text);
    assert.equal(error, undefined);
    assert.deepEqual(
      rows.map((r) => r.cells),
      [
        ['name', 'note'],
        ['Smith, J', 'said "hi"'],
        ['plain', 'two\r\nlines'],
        ['last', 'x'],
      ],
    );
    assert.deepEqual(
      rows.map((r) => r.line),
      [1, 2, 4, 6],
    );
    assert.deepEqual(rows[2].columns, [1, 9]);
  });

  it('handles LF without a final newline, CR line endings and empty cells', () => {
    assert.deepEqual(
      parseCsv('a,b\n1,\n,2').rows.map((r) => r.cells),
      [
        ['a', 'b'],
        ['1', ''],
        ['', '2'],
      ],
    );
    assert.deepEqual(
      parseCsv('a\rb\r').rows.map((r) => [r.line, r.cells]),
      [
        [1, ['a']],
        [2, ['b']],
      ],
    );
  });

  it('reports an unterminated quote where it opens', () => {
    const { error } = parseCsv('a,b\n1,2\n3,"oops\n4,5\n');
    assert.deepEqual(error && [error.line, error.column], [3, 3]);
  });
});

describe('csvDataset', () => {
  const spec = (extra: Partial<CsvDataSpec> = {}): CsvDataSpec => ({ csv: 'd.csv', target: 'label', ...extra });
  const only = (r: ReturnType<typeof csvDataset>) => {
    assert.equal(r.dataset, undefined);
    assert.equal(r.diagnostics.length, 1, JSON.stringify(r.diagnostics));
    const d = r.diagnostics[0];
    assert.equal(d.severity, 'error');
    assert.equal(d.file, 'd.csv');
    return d;
  };

  it('uses every other column as inputs and one-hot encodes text labels in sorted order', () => {
    const r = csvDataset('x,label,y\n1,b,2\n3,a,4\n5,c,6\n7,b,8\n', spec(), 'd.csv');
    assert.deepEqual(r.diagnostics, []);
    const ds = r.dataset as Dataset;
    assertShape(ds, 4, 2, 3);
    assert.deepEqual(ds.inputNames, ['x', 'y']);
    assert.deepEqual(ds.classNames, ['a', 'b', 'c']);
    assert.deepEqual(Array.from(ds.inputs), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(Array.from(ds.targets), [0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0]);
    assert.equal(ds.name, 'd.csv');
  });

  it('encodes numeric targets: 0/1 binary, consecutive integers as classes, others as regression', () => {
    const target = (values: string[]) => {
      const r = csvDataset(`x,label\n${values.map((v, i) => `${i},${v}`).join('\n')}\n`, spec(), 'd.csv');
      assert.deepEqual(r.diagnostics, []);
      const ds = r.dataset as Dataset;
      return { size: ds.targetSize, targets: Array.from(ds.targets), classNames: ds.classNames };
    };
    assert.deepEqual(target(['0', '1', '1', '0']), { size: 1, targets: [0, 1, 1, 0], classNames: undefined });
    assert.deepEqual(target(['2', '0', '1']), { size: 3, targets: [0, 0, 1, 1, 0, 0, 0, 1, 0], classNames: ['0', '1', '2'] });
    assert.deepEqual(target(['3', '1', '2', '1']).classNames, ['1', '2', '3']);
    assert.deepEqual(target(['0.5', '1.5', '2']), { size: 1, targets: [0.5, 1.5, 2], classNames: undefined });
    assert.deepEqual(target(['10', '20', '30']), { size: 1, targets: [10, 20, 30], classNames: undefined });
    assert.deepEqual(target(['1', '2']), { size: 1, targets: [1, 2], classNames: undefined });
    assert.equal(target(['1', 'x', '1']).size, 2);
  });

  it('takes explicit inputs in their order and standardizes on request', () => {
    const r = csvDataset('a,b,c,label\n1,10,0,0\n2,20,0,1\n3,30,0,1\n', spec({ inputs: ['b', 'a'], standardize: true }), 'd.csv');
    assert.deepEqual(r.diagnostics, []);
    const ds = r.dataset as Dataset;
    assert.deepEqual(ds.inputNames, ['b', 'a']);
    const s = Math.sqrt(1.5);
    const expected = [-s, -s, 0, 0, s, s];
    Array.from(ds.inputs).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12));
  });

  it('reports an empty file', () => {
    const d = only(csvDataset(' \r\n\n', spec(), 'd.csv'));
    assert.equal(d.path, 'data.csv');
    assert.match(d.message, /"d\.csv" is empty/);
  });

  it('reports a missing header', () => {
    const d = only(csvDataset('1,2,0\n3,4,1\n', spec(), 'd.csv'));
    assert.equal(d.path, 'data.csv');
    assert.equal(d.line, 1);
    assert.match(d.message, /holds numbers, not column names; add a header row/);
  });

  it('reports an unknown column with a did-you-mean suggestion', () => {
    const text = 'sepal_length,sepal_width,species\n1,2,a\n';
    const t = only(csvDataset(text, { csv: 'd.csv', target: 'Species' }, 'd.csv'));
    assert.equal(t.path, 'data.target');
    assert.match(t.message, /no column "Species" in the header of "d\.csv"; did you mean "species"\?/);
    const i = only(csvDataset(text, { csv: 'd.csv', target: 'species', inputs: ['sepal_length', 'sepal_lenght'] }, 'd.csv'));
    assert.equal(i.path, 'data.inputs[1]');
    assert.equal(i.line, 1);
    assert.match(i.message, /did you mean "sepal_length"\?/);
    const far = only(csvDataset(text, { csv: 'd.csv', target: 'zzz' }, 'd.csv'));
    assert.doesNotMatch(far.message, /did you mean/);
    assert.match(far.message, /columns: "sepal_length", "sepal_width", "species"/);
  });

  it('reports a row with the wrong number of cells at its line (CRLF, blank and multi-line rows counted)', () => {
    const d = only(csvDataset('x,note,label\r\n1,"a\r\nb",0\r\n\r\n2,c,1\r\n3,1\r\n', spec({ inputs: ['x'] }), 'd.csv'));
    assert.equal(d.path, 'data.csv');
    assert.equal(d.line, 6);
    assert.equal(d.message, 'line 6 has 2 cells, the header (line 1) has 3');
  });

  it('reports a non-numeric input cell with its line, column name and text', () => {
    const d = only(csvDataset('a,b,label\n1,2,x\n3,abc,y\n', spec({ inputs: ['a', 'b'] }), 'd.csv'));
    assert.equal(d.path, 'data.inputs[1]');
    assert.deepEqual([d.line, d.column, d.offset, d.length], [3, 3, 18, 3]);
    assert.equal(d.message, 'line 3: "abc" in column "b" is not a number');
    const implicit = only(csvDataset('a,b,label\n1,,x\n', spec(), 'd.csv'));
    assert.equal(implicit.path, 'data.csv');
    assert.match(implicit.message, /an empty cell in column "b"/);
  });

  it('reports a file with no data rows', () => {
    const d = only(csvDataset('a,label\n\n', spec(), 'd.csv'));
    assert.equal(d.path, 'data.csv');
    assert.match(d.message, /has a header but no data rows/);
  });

  it('reports the target listed as an input, and an unterminated quote', () => {
    assert.equal(only(csvDataset('a,label\n1,0\n', spec({ inputs: ['a', 'label'] }), 'd.csv')).path, 'data.inputs[1]');
    const q = only(csvDataset('a,label\n1,"0\n', spec(), 'd.csv'));
    assert.equal(q.line, 2);
    assert.match(q.message, /no closing quote/);
  });

  it('lists at most 10 bad cells, then a summary', () => {
    const rows = Array.from({ length: 15 }, () => 'x,0').join('\n');
    const r = csvDataset(`a,label\n${rows}\n`, spec(), 'd.csv');
    assert.equal(r.diagnostics.length, 11);
    assert.deepEqual(
      r.diagnostics.slice(0, 10).map((d) => d.line),
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
    assert.match(r.diagnostics[10].message, /^5 more/);
  });
});

// -------------------------------------------------------------------------------------------------

describe('loadData', () => {
  it('loads inline data', async () => {
    const r = await loadData({ inputs: [[0, 1], [1, 0]], targets: [[1], [0]] }, { seed: 1 });
    assert.deepEqual(r.diagnostics, []);
    assertShape(r.dataset as Dataset, 2, 2, 1);
    assert.deepEqual(Array.from((r.dataset as Dataset).inputs), [0, 1, 1, 0]);
  });

  it('names the JSON path of bad inline data', async () => {
    const paths = async (data: unknown) => (await loadData(data as never, { seed: 1 })).diagnostics.map((d) => d.path);
    assert.deepEqual(await paths({ inputs: [[0, 1], [1, 0], [1, 1], [0]], targets: [[0], [1], [1], [0]] }), ['data.inputs[3]']);
    assert.deepEqual(await paths({ inputs: [[0, 1], [1, 0], [1, 1], [0, 'x']], targets: [[0], [1], [1], [0]] }), ['data.inputs[3][1]']);
    assert.deepEqual(await paths({ inputs: [[0, 1]], targets: [[null]] }), ['data.targets[0][0]']);
    assert.deepEqual(await paths({ inputs: [[0], [1]], targets: [[0]] }), ['data.targets']);
    assert.deepEqual(await paths({ inputs: [], targets: [] }), ['data.inputs', 'data.targets']);
    assert.deepEqual(await paths({ inputs: [[]], targets: [[1]] }), ['data.inputs[0]']);
    const r = await loadData({ inputs: [[0, 1], [1]], targets: [[0], [1]] }, { seed: 1 });
    assert.equal(r.dataset, undefined);
    assert.equal(r.diagnostics[0].message, 'has 1 value, but data.inputs[0] has 2; every row needs the same length');
  });

  it('loads builtins with samples, noise and standardize, seeded', async () => {
    const a = await loadData({ builtin: 'moons', samples: 40, noise: 0.2 }, { seed: 9 });
    assert.deepEqual(a.diagnostics, []);
    assert.deepEqual(a.dataset, SYNTHETIC.moons({ seed: 9, samples: 40, noise: 0.2 }));
    const s = (await loadData({ builtin: 'iris', standardize: true }, { seed: 1 })).dataset as Dataset;
    for (let c = 0; c < 4; c++) {
      const col = Array.from({ length: 150 }, (_, i) => s.inputs[i * 4 + c]);
      const mean = col.reduce((x, y) => x + y, 0) / 150;
      const sd = Math.sqrt(col.reduce((x, y) => x + (y - mean) ** 2, 0) / 150);
      assert.ok(Math.abs(mean) < 1e-12 && Math.abs(sd - 1) < 1e-12);
    }
    const d = await loadData({ builtin: 'digits', samples: 100 }, { seed: 1 });
    assert.equal(d.dataset?.count, 100);
  });

  it('warns about settings a builtin ignores', async () => {
    const r = await loadData({ builtin: 'xor', noise: 0.1 }, { seed: 1 });
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.path]), [['warning', 'data.noise']]);
    assert.ok(r.dataset);
    const i = await loadData({ builtin: 'iris', samples: 500 }, { seed: 1 });
    assert.equal(i.dataset?.count, 150);
    assert.match(i.diagnostics[0].message, /iris has 150 examples/);
    const bad = await loadData({ builtin: 'circle', samples: 0 }, { seed: 1 });
    assert.deepEqual(bad.diagnostics.map((d) => [d.severity, d.path]), [['error', 'data.samples']]);
  });

  it('reads a CSV file through the host', async () => {
    const seen: string[] = [];
    const host: DataHost = {
      async readText(path) {
        seen.push(path);
        return 'a,b,label\n1,2,yes\n3,4,no\n';
      },
    };
    const r = await loadData({ csv: 'sub/x.csv', target: 'label' }, { seed: 1, host });
    assert.deepEqual(seen, ['sub/x.csv']);
    assert.deepEqual(r.dataset?.classNames, ['no', 'yes']);
    const bad = await loadData({ csv: 'sub/x.csv', target: 'lable' }, { seed: 1, host });
    assert.equal(bad.diagnostics[0].file, 'sub/x.csv');
  });

  it('reports a missing CSV file without throwing', async () => {
    const host: DataHost = {
      readText: (path) => Promise.reject(new Error(`ENOENT: no such file or directory, open '${path}'`)),
    };
    const r = await loadData({ csv: 'x.csv', target: 'y' }, { seed: 1, host });
    assert.equal(r.dataset, undefined);
    assert.deepEqual(r.diagnostics, [
      {
        severity: 'error',
        path: 'data.csv',
        message: `cannot read "x.csv" (ENOENT: no such file or directory, open 'x.csv'); check the path, relative to the network file`,
      },
    ]);
    const throwing: DataHost = {
      readText() {
        throw new Error('boom');
      },
    };
    assert.match((await loadData({ csv: 'x.csv', target: 'y' }, { seed: 1, host: throwing })).diagnostics[0].message, /\(boom\)/);
    const none = await loadData({ csv: 'x.csv', target: 'y' }, { seed: 1 });
    assert.match(none.diagnostics[0].message, /^cannot read "x\.csv" \(.+\); check the path, relative to the network file$/);
  });
});

describe('standardizeInPlace and describeDataset', () => {
  it('standardizes columns and leaves constant ones centred', () => {
    const ds: Dataset = { name: 't', count: 2, inputSize: 2, targetSize: 1, inputs: Float64Array.from([1, 5, 3, 5]), targets: new Float64Array(2) };
    const { mean, std } = standardizeInPlace(ds);
    assert.deepEqual(mean, [2, 5]);
    assert.deepEqual(std, [1, 0]);
    assert.deepEqual(Array.from(ds.inputs), [-1, 0, 1, 0]);
  });

  it('describes a dataset in one line', () => {
    assert.equal(describeDataset(irisDataset()), 'iris: 150 examples, 4 inputs, 3 targets (one-hot, 3 classes: setosa, versicolor, virginica)');
    assert.equal(describeDataset(SYNTHETIC.xor({ seed: 1 })), 'xor: 4 examples, 2 inputs, 1 target (binary 0/1)');
    assert.equal(describeDataset(SYNTHETIC.mazur({ seed: 1 })), 'mazur: 1 example, 2 inputs, 2 targets (numeric)');
  });
});
