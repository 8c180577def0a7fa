/**
 * The stepper panel's HTML document: the strict Content-Security-Policy and the bundled assets.
 * Pure (no vscode import) so the extension host and the Chromium webview tests use the very same page.
 *
 *   default-src 'none'          nothing loads unless allowed below
 *   script-src 'nonce-…'        only our bundle, by a fresh crypto nonce per page (no unsafe-inline/eval)
 *   style-src / font-src / img-src  only the extension's own files (the webview's cspSource)
 */

export interface PanelHtmlOptions {
  /** The webview's `cspSource` (where the extension's local resources are served from). */
  cspSource: string;
  /** A fresh random nonce (base64 or hex, ≥ 128 bits). */
  nonce: string;
  /** URIs (as strings) of the panel's script and stylesheet. */
  scriptUri: string;
  styleUri: string;
  /** Extra scripts allowed by the same nonce, loaded before the bundle (the tests' scripted host). */
  preludeUris?: string[];
  title?: string;
}

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

/** A nonce from the platform's crypto RNG (Web Crypto: Node ≥ 19 and browsers / web workers). */
export function makeNonce(): string {
  const bytes = new Uint8Array(18);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function panelHtml(o: PanelHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(o.nonce)) throw new Error('panelHtml: the nonce must be at least 16 base64/hex characters');
  const n = escapeAttr(o.nonce);
  const preludes = (o.preludeUris ?? []).map((u) => `    <script nonce="${n}" src="${escapeAttr(u)}"></script>\n`).join('');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(o.cspSource, o.nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
    <title>${escapeAttr(o.title ?? 'Backprop Stepper')}</title>
  </head>
  <body>
    <div id="app" role="application" aria-label="Backprop Stepper panel"><p class="loading">Loading the stepper panel…</p></div>
${preludes}    <script nonce="${n}" src="${escapeAttr(o.scriptUri)}"></script>
  </body>
</html>
`;
}
