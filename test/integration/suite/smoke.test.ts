// Smoke suite, run in both extension hosts (Node: dist/extension.js; web worker: dist/web/extension.js).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { EXTENSION_ID, activateExtension, examplesUri, host } from './util';

suite(`smoke (${host} extension host)`, () => {
  test('the extension is present and activates', async () => {
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID), `${EXTENSION_ID} is installed`);
    const ext = await activateExtension();
    assert.strictEqual(ext.isActive, true);
    // The extension reports its own load and activate time (the benchmark's source).
    const api = ext.exports as { activation?: { loadMs: number; activateMs: number } };
    assert.ok(api.activation && api.activation.loadMs >= 0 && api.activation.activateMs >= 0, JSON.stringify(api.activation));
    assert.ok(api.activation.loadMs + api.activation.activateMs < 10_000, JSON.stringify(api.activation));
  });

  test('backprop.validateNetwork is a registered command', async () => {
    await activateExtension();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('backprop.validateNetwork'), 'backprop.validateNetwork in the command list');
  });

  test('mazur.backprop.json opens from the workspace as JSON', async () => {
    const doc = await vscode.workspace.openTextDocument(examplesUri('mazur.backprop.json'));
    await vscode.window.showTextDocument(doc);
    assert.strictEqual(doc.languageId, 'json');
    const net = JSON.parse(doc.getText()) as { layers?: unknown };
    assert.ok(Array.isArray(net.layers), 'the network file has layers');
  });
});
