/// <reference types="mocha" />
// Helpers shared by the integration suites (bundled into each host's test build).
import * as vscode from 'vscode';

/** Which extension host the suites run in: set by scripts/build-tests.mjs for each bundle. */
declare const __INTEGRATION_HOST__: 'node' | 'web';
export const host: 'node' | 'web' = __INTEGRATION_HOST__;

export const EXTENSION_ID = 'backprop-stepper.backprop-stepper';

/** The extension under test, activated. */
export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this extension host`);
  await ext.activate();
  return ext;
}

/** The workspace folder every run opens: a temporary copy of the repo's examples/ folder. */
export function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open (the runners open a copy of examples/)');
  return folder;
}

/** Uri of `name` (a path relative to examples/, e.g. 'mazur.backprop.json') in the opened workspace. */
export function examplesUri(name: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceFolder().uri, ...name.split('/'));
}

/** `T` without its falsy members: what waitFor resolves with. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

/**
 * Polls `predicate` (every 50 ms) until it returns a truthy value, and resolves with that value; rejects
 * with "Timed out after … waiting for <what>" (plus the last error thrown by `predicate`, if any).
 * A predicate that throws counts as "not yet".
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as Truthy<T>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
