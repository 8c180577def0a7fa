// The panel's own text in VS Code's display language. The webview cannot call vscode.l10n: the host sends
// its bundle (vscode.l10n.bundle: the messages of l10n/bundle.l10n.json translated, none for English) in
// the first `settings` message after `ready`, and `l10n.t` looks messages up in it as vscode.l10n.t does.
//
// `npm run l10n` (@vscode/l10n-dev) exports the first argument of every `l10n.t('…')` call into
// l10n/bundle.l10n.json — but only from files that import from 'vscode'. So every webview file that
// calls l10n.t has the type-only line `import type * as _l10nExport from 'vscode';` (erased from the
// bundle; test/unit/l10n.test.ts checks that every message is exported). Messages are literals with
// {0}, {1}… for what varies: never a template string or a variable.
//
// The page is built before the bundle arrives: text set once at load is given as a function
// (`h('h2', {}, () => l10n.t('Network'))`, see dom.ts) or through `localize`, and set again when the
// bundle comes; text set while rendering calls l10n.t each time.

/** Translations: message → translated message (vscode.l10n.bundle). */
export type L10nBundle = Record<string, string>;

let bundle: L10nBundle | undefined;
const appliers: (() => void)[] = [];

export const l10n = {
  /**
   * The message translated (or itself when the bundle has no translation), with {0}, {1}… replaced by
   * the arguments, as vscode.l10n.t(message, ...args).
   */
  t(message: string, ...args: (string | number | boolean)[]): string {
    const text = bundle !== undefined && Object.hasOwn(bundle, message) ? bundle[message] : message;
    if (args.length === 0) return text;
    return text.replace(/\{(\d+)\}/g, (m, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : m));
  },
};

/**
 * Use a bundle (undefined: English). Text set through `localize` is set again when it changes; true then,
 * so the caller can render what it writes itself again.
 */
export function setL10nBundle(next: L10nBundle | undefined): boolean {
  const same = JSON.stringify(next ?? {}) === JSON.stringify(bundle ?? {});
  bundle = next;
  if (same) return false;
  for (const apply of appliers) apply();
  return true;
}

/**
 * Run `apply` (which sets some text with l10n.t) now and again whenever the bundle changes. For the parts
 * of the page built once: each call is kept for the page's lifetime.
 */
export function localize(apply: () => void): void {
  appliers.push(apply);
  apply();
}
