// The extension's decisions that need no VS Code (src/extension/pure.ts): what a `network` launch
// argument is and the string the adapter receives, how CSV paths split, where engine diagnostics go.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadNetwork, type Diagnostic } from '../../src/engine';
import {
  baseName,
  classifyNetworkArgument,
  countSeverities,
  diagnosticMessage,
  diagnosticRange,
  documentForPath,
  isAbsolutePath,
  isForeignDiagnostic,
  isNetworkFileName,
  isUriString,
  networkArgument,
  relativeSegments,
  type UriLike,
} from '../../src/extension/pure';

const uri = (scheme: string, path: string, fsPath = path): UriLike => ({
  scheme,
  path,
  fsPath,
  toString: () => `${scheme}://${scheme === 'file' ? '' : 'host'}${path}`,
});

/** positionAt over a text, as vscode.TextDocument does (\n line breaks). */
function positionAt(text: string) {
  return (offset: number) => {
    const before = text.slice(0, Math.min(offset, text.length));
    const lines = before.split('\n');
    return { line: lines.length - 1, character: lines[lines.length - 1].length };
  };
}

describe('network arguments', () => {
  it('recognizes network file names', () => {
    assert.ok(isNetworkFileName('/w/xor.backprop.json'));
    assert.ok(isNetworkFileName('C:\\w\\Iris.BACKPROP.JSON'));
    assert.ok(!isNetworkFileName('/w/xor.json'));
    assert.ok(!isNetworkFileName('/w/backprop.json.bak'));
  });

  it('tells URIs from paths; a one-letter scheme is a Windows drive', () => {
    assert.ok(isUriString('file:///w/xor.backprop.json'));
    assert.ok(isUriString('vscode-vfs://github/o/r/xor.backprop.json'));
    assert.ok(isUriString('untitled:Untitled-1'));
    assert.ok(!isUriString('C:\\w\\xor.backprop.json'));
    assert.ok(!isUriString('c:/w/xor.backprop.json'));
    assert.ok(!isUriString('/w/xor.backprop.json'));
    assert.ok(!isUriString('examples/xor.backprop.json'));
  });

  it('classifies launch arguments', () => {
    assert.equal(classifyNetworkArgument(undefined), 'empty');
    assert.equal(classifyNetworkArgument('  '), 'empty');
    assert.equal(classifyNetworkArgument(42), 'empty');
    assert.equal(classifyNetworkArgument('file:///w/x.backprop.json'), 'uri');
    assert.equal(classifyNetworkArgument('/w/x.backprop.json'), 'absolute');
    assert.equal(classifyNetworkArgument('C:\\w\\x.backprop.json'), 'absolute');
    assert.equal(classifyNetworkArgument('\\\\server\\share\\x.backprop.json'), 'absolute');
    assert.equal(classifyNetworkArgument('examples/x.backprop.json'), 'relative');
    assert.equal(classifyNetworkArgument('./x.backprop.json'), 'relative');
    assert.ok(isAbsolutePath('/x') && isAbsolutePath('D:/x') && !isAbsolutePath('x/y'));
  });

  it('gives the adapter a path for local files and a URI string otherwise', () => {
    assert.equal(networkArgument(uri('file', '/w/x.backprop.json', '/w/x.backprop.json')), '/w/x.backprop.json');
    assert.equal(networkArgument(uri('file', '/c:/w/x.backprop.json', 'c:\\w\\x.backprop.json')), 'c:\\w\\x.backprop.json');
    assert.equal(networkArgument(uri('vscode-vfs', '/o/r/x.backprop.json')), 'vscode-vfs://host/o/r/x.backprop.json');
  });

  it('maps a substituted ${file} path back to the open non-file document', () => {
    const local = uri('file', '/o/r/x.backprop.json');
    const web = uri('vscode-test-web', '/o/r/x.backprop.json');
    assert.equal(documentForPath('/o/r/x.backprop.json', [local, web]), web);
    assert.equal(documentForPath('/o/r/y.backprop.json', [local, web]), undefined);
  });

  it('splits relative data paths on either separator', () => {
    assert.deepEqual(relativeSegments('data/iris.csv'), ['data', 'iris.csv']);
    assert.deepEqual(relativeSegments('.\\data\\iris.csv'), ['data', 'iris.csv']);
    assert.deepEqual(relativeSegments('../shared//x.csv'), ['..', 'shared', 'x.csv']);
    assert.equal(baseName('/w/examples/xor.backprop.json'), 'xor.backprop.json');
    assert.equal(baseName('C:\\w\\xor.backprop.json'), 'xor.backprop.json');
  });
});

describe('diagnostics', () => {
  const d = (over: Partial<Diagnostic>): Diagnostic => ({ severity: 'error', path: 'layers[1].activation', message: 'unknown', ...over });

  it('locates by offset through positionAt when the text is known', () => {
    const text = '{\n  "a": 1,\n  "b": true\n}';
    const offset = text.indexOf('true');
    assert.deepEqual(diagnosticRange(d({ offset, length: 4, line: 3, column: 8 }), positionAt(text)), {
      start: { line: 2, character: 7 },
      end: { line: 2, character: 11 },
    });
  });

  it('falls back to line and column, then to nothing', () => {
    assert.deepEqual(diagnosticRange(d({ offset: 40, length: 2, line: 5, column: 3 })), { start: { line: 4, character: 2 }, end: { line: 4, character: 4 } });
    assert.deepEqual(diagnosticRange(d({ line: 2 })), { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } });
    assert.equal(diagnosticRange(d({})), undefined);
  });

  it('writes the path before the message, and counts severities', () => {
    assert.equal(diagnosticMessage(d({})), 'layers[1].activation: unknown');
    assert.equal(diagnosticMessage(d({ path: '' })), 'unknown');
    assert.deepEqual(countSeverities([d({}), d({ severity: 'warning' }), d({})]), { errors: 2, warnings: 1 });
  });

  it('maps a real engine diagnostic onto the text it came from', async () => {
    const text = '{\n  "layers": [\n    { "size": 2 },\n    { "size": 1, "activation": "sigmoyd" }\n  ],\n  "loss": "mse",\n  "data": { "builtin": "xor" }\n}\n';
    const { diagnostics } = await loadNetwork(text, '/w/x.backprop.json');
    const bad = diagnostics.find((x) => x.path === 'layers[1].activation');
    assert.ok(bad, JSON.stringify(diagnostics));
    assert.ok(!isForeignDiagnostic(bad, '/w/x.backprop.json'));
    const r = diagnosticRange(bad, positionAt(text));
    assert.ok(r);
    const line = text.split('\n')[r.start.line];
    assert.equal(line.slice(r.start.character, r.end.character), '"sigmoyd"');
  });

  it('sends CSV diagnostics to the CSV file', async () => {
    const text = '{"layers": [{"size": 1}, {"size": 1}], "loss": "mse", "data": {"csv": "d.csv", "target": "y"}}';
    const host = { readText: async () => 'x,y\n1,2\nfoo,3\n' };
    const { diagnostics } = await loadNetwork(text, '/w/x.backprop.json', host);
    const foreign = diagnostics.filter((x) => isForeignDiagnostic(x, '/w/x.backprop.json'));
    assert.ok(foreign.length > 0, JSON.stringify(diagnostics));
    assert.equal(foreign[0].file, 'd.csv');
    assert.deepEqual(diagnosticRange(foreign[0], positionAt('x,y\n1,2\nfoo,3\n'))?.start, { line: 2, character: 0 });
  });
});
