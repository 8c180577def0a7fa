/**
 * `Backprop: New Network from Example…`: a quick pick of the examples shipped in the extension's
 * `examples/` folder (name and description read from each file), a copy of the chosen one in the
 * workspace (never over an existing file) or, without a workspace, in an untitled editor, and an offer to
 * step through it. Everything goes through `vscode.workspace.fs` and the extension's URI, so it works in
 * the web-worker extension host too (no Node `fs`).
 *
 * Arguments, so that tests, the Getting Started walkthrough and other extensions can skip the dialogs:
 * `executeCommand('backprop.newFromExample', 'xor')` copies xor into the first workspace folder;
 * `executeCommand('backprop.newFromExample', 'xor', folderOrFileUri)` copies it there;
 * `executeCommand('backprop.newFromExample', { example: 'xor', target, stepThrough: true })` also starts
 * a debug session on the copy. Resolves to the new file's URI (undefined when cancelled or failed).
 */
import { applyEdits, modify } from 'jsonc-parser';
import * as vscode from 'vscode';
import { COMMANDS } from './commands';
import { networkUri } from './host';
import { isNetworkFileName } from './pure';

export const NEW_FROM_EXAMPLE_COMMAND = 'backprop.newFromExample';

/**
 * The examples in the order the quick pick lists them (the Getting Started order: the worked example, the
 * classic first problems, then one topic each). Files in `examples/` not named here follow, by name, when
 * the folder can be listed (not over HTTP, in the web host).
 */
export const EXAMPLE_ORDER = [
  'mazur',
  'xor',
  'circle',
  'spiral',
  'iris',
  'digits',
  'deep-sigmoid',
  'deep-relu',
  'deep-batchnorm',
  'deep-residual',
  'high-lr',
  'overfit',
  'regularized',
  'momentum',
  'adam',
  'lab-mazur',
] as const;

const SUFFIX = '.backprop.json';

export interface ShippedExample {
  /** File name without `.backprop.json`: `xor`, `deep-sigmoid`. */
  id: string;
  uri: vscode.Uri;
  name: string;
  description: string;
  text: string;
}

/** What the command's arguments ask for. */
interface Request {
  id?: string;
  target?: vscode.Uri;
  stepThrough: boolean;
  /** Nothing was passed: ask with the quick pick and the save dialog. */
  interactive: boolean;
}

function toUri(value: unknown): vscode.Uri | undefined {
  if (value instanceof vscode.Uri) return value;
  if (typeof value === 'string' && value !== '') return networkUri(value);
  return undefined;
}

function parseArguments(arg: unknown, target: unknown): Request {
  if (typeof arg === 'string' && arg !== '') return { id: normalizeId(arg), target: toUri(target), stepThrough: false, interactive: false };
  if (arg && typeof arg === 'object' && !(arg instanceof vscode.Uri)) {
    const o = arg as { example?: unknown; id?: unknown; target?: unknown; stepThrough?: unknown };
    const id = typeof o.example === 'string' ? o.example : typeof o.id === 'string' ? o.id : undefined;
    return { id: id ? normalizeId(id) : undefined, target: toUri(o.target ?? target), stepThrough: o.stepThrough === true, interactive: id === undefined };
  }
  return { target: toUri(target), stepThrough: false, interactive: true };
}

/** `xor`, `xor.backprop.json` and `examples/xor.backprop.json` all name the example `xor`. */
function normalizeId(s: string): string {
  const base = s.split(/[\\/]/).pop() ?? s;
  return base.endsWith(SUFFIX) ? base.slice(0, -SUFFIX.length) : base;
}

const examplesFolder = (extensionUri: vscode.Uri): vscode.Uri => vscode.Uri.joinPath(extensionUri, 'examples');
const decode = (bytes: Uint8Array): string => new TextDecoder('utf-8').decode(bytes);

async function readExample(extensionUri: vscode.Uri, id: string): Promise<ShippedExample | undefined> {
  const uri = vscode.Uri.joinPath(examplesFolder(extensionUri), id + SUFFIX);
  let text: string;
  try {
    text = decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
  let name = id;
  let description = '';
  try {
    const json = JSON.parse(text) as { name?: unknown; description?: unknown };
    if (typeof json.name === 'string' && json.name.trim() !== '') name = json.name;
    if (typeof json.description === 'string') description = json.description;
  } catch {
    // Shown by its file name; the copy will show its own problems.
  }
  return { id, uri, name, description, text };
}

/** The shipped examples, in EXAMPLE_ORDER, then any other example file of the folder. */
export async function listExamples(extensionUri: vscode.Uri): Promise<ShippedExample[]> {
  const ids: string[] = [...EXAMPLE_ORDER];
  try {
    const entries = await vscode.workspace.fs.readDirectory(examplesFolder(extensionUri));
    const extra = entries
      .filter(([file, type]) => type === vscode.FileType.File && file.endsWith(SUFFIX))
      .map(([file]) => file.slice(0, -SUFFIX.length))
      .filter((id) => !ids.includes(id))
      .sort();
    ids.push(...extra);
  } catch {
    // The web host reads the extension over HTTP, which cannot list a folder: the known examples it is.
  }
  const found = await Promise.all(ids.map((id) => readExample(extensionUri, id)));
  return found.filter((e): e is ShippedExample => e !== undefined);
}

/**
 * The example's text for its new home: without `"$schema": "../schemas/…"`, a path into the extension's
 * source tree that means nothing beside the copy (the extension associates the schema with every
 * `*.backprop.json` file anyway). Everything else is kept byte for byte.
 */
export function textForCopy(text: string): string {
  try {
    const edits = modify(text, ['$schema'], undefined, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } });
    return applyEdits(text, edits);
  } catch {
    return text;
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) return true;
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** `dir/xor.backprop.json`, or `dir/xor-2.backprop.json`, `-3` … when taken. */
async function freeUri(folder: vscode.Uri, id: string): Promise<vscode.Uri> {
  for (let n = 1; ; n++) {
    const uri = vscode.Uri.joinPath(folder, `${id}${n === 1 ? '' : `-${n}`}${SUFFIX}`);
    if (!(await exists(uri))) return uri;
  }
}

/** Where a requested target puts the copy: a `.json` file (renamed `-2` … if taken) or a folder. */
async function targetFile(target: vscode.Uri, id: string): Promise<vscode.Uri> {
  if (!/\.json$/i.test(target.path)) return freeUri(target, id);
  if (!(await exists(target))) return target;
  const name = target.path.split('/').pop() ?? '';
  const base = isNetworkFileName(name) ? name.slice(0, -SUFFIX.length) : name.replace(/\.json$/i, '');
  return freeUri(vscode.Uri.joinPath(target, '..'), base);
}

async function pickExample(extensionUri: vscode.Uri): Promise<ShippedExample | undefined> {
  const examples = await listExamples(extensionUri);
  if (examples.length === 0) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Backprop Stepper: no examples were found in {0}.', examplesFolder(extensionUri).toString(true)));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    examples.map((e) => ({ label: e.name, description: e.id + SUFFIX, detail: e.description, example: e })),
    { title: vscode.l10n.t('New Network from Example'), placeHolder: vscode.l10n.t('The example to copy into the workspace'), matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.example;
}

/** An untitled `*.backprop.json` editor holding the text (no workspace folder to save into). */
async function untitled(id: string, text: string): Promise<vscode.TextDocument> {
  let uri: vscode.Uri;
  for (let n = 1; ; n++) {
    uri = vscode.Uri.from({ scheme: 'untitled', path: `${id}${n === 1 ? '' : `-${n}`}${SUFFIX}` });
    if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) break;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const edit = new vscode.WorkspaceEdit();
  edit.insert(uri, new vscode.Position(0, 0), text);
  await vscode.workspace.applyEdit(edit);
  return doc;
}

function offerStepThrough(uri: vscode.Uri, name: string): void {
  const step = vscode.l10n.t('Step Through');
  void vscode.window
    .showInformationMessage(vscode.l10n.t('{0}: press F5 or Step Through to pause before its first training step.', name), step)
    .then((choice) => {
      if (choice === step) void vscode.commands.executeCommand(COMMANDS.debugNetwork, uri);
    });
}

export async function newFromExample(extensionUri: vscode.Uri, arg?: unknown, targetArg?: unknown): Promise<vscode.Uri | undefined> {
  const request = parseArguments(arg, targetArg);
  let example: ShippedExample | undefined;
  if (request.id === undefined) {
    example = await pickExample(extensionUri);
    if (!example) return undefined;
  } else {
    example = await readExample(extensionUri, request.id);
    if (!example) {
      const known = (await listExamples(extensionUri)).map((e) => e.id).join(', ');
      void vscode.window.showErrorMessage(vscode.l10n.t('Backprop Stepper: there is no example "{0}". The examples are: {1}.', request.id, known));
      return undefined;
    }
  }
  const text = textForCopy(example.text);

  let uri: vscode.Uri | undefined;
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (request.target) {
    uri = await targetFile(request.target, example.id);
  } else if (folder) {
    const free = await freeUri(folder.uri, example.id);
    // The save dialog itself asks before replacing a file the user picks.
    uri = request.interactive
      ? await vscode.window.showSaveDialog({
          title: vscode.l10n.t('Save the example as'),
          saveLabel: vscode.l10n.t('Create'),
          defaultUri: free,
          filters: { [vscode.l10n.t('Network files')]: ['json'] },
        })
      : free;
    if (!uri) return undefined;
  }

  let doc: vscode.TextDocument;
  if (uri) {
    try {
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      doc = await vscode.workspace.openTextDocument(uri);
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Backprop Stepper: could not create {0}: {1}', uri.toString(true), e instanceof Error ? e.message : String(e)));
      return undefined;
    }
  } else {
    doc = await untitled(example.id, text);
  }
  await vscode.window.showTextDocument(doc, { preview: false });
  if (request.stepThrough) void vscode.commands.executeCommand(COMMANDS.debugNetwork, doc.uri);
  else offerStepThrough(doc.uri, example.name);
  return doc.uri;
}

export function registerExampleCommands(extensionUri: vscode.Uri): vscode.Disposable[] {
  return [vscode.commands.registerCommand(NEW_FROM_EXAMPLE_COMMAND, (arg?: unknown, target?: unknown) => newFromExample(extensionUri, arg, target))];
}
