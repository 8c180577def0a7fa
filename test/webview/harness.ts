// The webview under test: dist/webview served over a tiny local HTTP server, the page from the real
// panelHtml() (same CSP, cspSource = the server's origin), and a prelude script — allowed by the same
// nonce — that plays VS Code: acquireVsCodeApi() records posted messages and keeps get/setState, the
// theme's CSS variables and body class are set, and CSP violations are collected. Host messages are
// delivered as VS Code does: window 'message' events (window.postMessage).
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../src/shared/panelHtml';
import type { FromWebview, ToWebview } from '../../src/shared/protocol';

const root = join(__dirname, '..', '..');
const dist = join(root, 'dist', 'webview');
const NONCE = 'c2VjcmV0LW5vbmNlLWZvci10ZXN0cw';

export type Theme = 'light' | 'dark' | 'hc';

const FONTS = {
  '--vscode-font-family': 'system-ui, "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': '"DejaVu Sans Mono", Consolas, monospace',
};
/** The charts colours of Dark Modern, which High Contrast shares. */
const DARK_CHARTS = {
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-red': '#f14c4c',
};

/** A subset of VS Code's theme variables (Default Light Modern / Dark Modern / High Contrast). */
const THEMES: Record<Theme, Record<string, string>> = {
  light: {
    '--vscode-settings-dropdownBackground': '#ffffff',
    '--vscode-settings-dropdownBorder': '#cecece',
    '--vscode-settings-dropdownForeground': '#3b3b3b',
    '--vscode-settings-dropdownListBorder': '#cecece',
    '--vscode-settings-checkboxBackground': '#f8f8f8',
    '--vscode-settings-checkboxBorder': '#cecece',
    '--vscode-settings-checkboxForeground': '#3b3b3b',
    '--vscode-checkbox-foreground': '#3b3b3b',
    '--vscode-widget-shadow': 'rgba(0, 0, 0, 0.16)',
    ...FONTS,
    '--vscode-foreground': '#3b3b3b',
    '--vscode-editor-foreground': '#3b3b3b',
    '--vscode-descriptionForeground': '#717171',
    '--vscode-editor-background': '#ffffff',
    '--vscode-sideBar-background': '#f8f8f8',
    '--vscode-panel-border': '#e5e5e5',
    '--vscode-widget-border': '#e5e5e5',
    '--vscode-focusBorder': '#005fb8',
    '--vscode-button-background': '#005fb8',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-hoverBackground': '#0258a8',
    '--vscode-button-secondaryBackground': '#e5e5e5',
    '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-button-secondaryHoverBackground': '#cccccc',
    '--vscode-badge-background': '#cccccc',
    '--vscode-badge-foreground': '#3b3b3b',
    '--vscode-charts-blue': '#1a85ff',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-green': '#388a34',
    '--vscode-charts-purple': '#652d90',
    '--vscode-charts-yellow': '#bf8803',
    '--vscode-charts-red': '#e51400',
    '--vscode-errorForeground': '#f85149',
    '--vscode-list-hoverBackground': '#f2f2f2',
    '--vscode-list-activeSelectionBackground': '#e8e8e8',
    '--vscode-list-activeSelectionForeground': '#000000',
    '--vscode-editor-inactiveSelectionBackground': '#e5ebf1',
    '--vscode-editor-findMatchHighlightBackground': 'rgba(234, 92, 0, 0.33)',
    '--vscode-editor-wordHighlightStrongBackground': 'rgba(14, 99, 156, 0.25)',
    '--vscode-textCodeBlock-background': '#f2f2f2',
    '--vscode-dropdown-background': '#ffffff',
    '--vscode-dropdown-border': '#cecece',
    '--vscode-dropdown-foreground': '#3b3b3b',
    '--vscode-checkbox-background': '#f8f8f8',
    '--vscode-checkbox-border': '#cecece',
    '--vscode-input-background': '#ffffff',
    '--vscode-keybindingLabel-background': 'rgba(221, 221, 221, 0.4)',
  },
  dark: {
    '--vscode-settings-dropdownBackground': '#313131',
    '--vscode-settings-dropdownBorder': '#3c3c3c',
    '--vscode-settings-dropdownForeground': '#cccccc',
    '--vscode-settings-dropdownListBorder': '#454545',
    '--vscode-settings-checkboxBackground': '#313131',
    '--vscode-settings-checkboxBorder': '#3c3c3c',
    '--vscode-settings-checkboxForeground': '#cccccc',
    '--vscode-checkbox-foreground': '#cccccc',
    '--vscode-widget-shadow': 'rgba(0, 0, 0, 0.36)',
    ...FONTS,
    '--vscode-foreground': '#cccccc',
    '--vscode-editor-foreground': '#cccccc',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-sideBar-background': '#181818',
    '--vscode-panel-border': '#2b2b2b',
    '--vscode-widget-border': '#313131',
    '--vscode-focusBorder': '#0078d4',
    '--vscode-button-background': '#0078d4',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-hoverBackground': '#026ec1',
    '--vscode-button-secondaryBackground': '#313131',
    '--vscode-button-secondaryForeground': '#cccccc',
    '--vscode-button-secondaryHoverBackground': '#3c3c3c',
    '--vscode-badge-background': '#616161',
    '--vscode-badge-foreground': '#f8f8f8',
    ...DARK_CHARTS,
    '--vscode-errorForeground': '#f85149',
    '--vscode-list-hoverBackground': '#2a2d2e',
    '--vscode-list-activeSelectionBackground': '#04395e',
    '--vscode-list-activeSelectionForeground': '#ffffff',
    '--vscode-editor-inactiveSelectionBackground': '#3a3d41',
    '--vscode-editor-findMatchHighlightBackground': 'rgba(234, 92, 0, 0.33)',
    '--vscode-editor-wordHighlightStrongBackground': 'rgba(0, 73, 114, 0.72)',
    '--vscode-textCodeBlock-background': '#2b2b2b',
    '--vscode-dropdown-background': '#313131',
    '--vscode-dropdown-border': '#3c3c3c',
    '--vscode-dropdown-foreground': '#cccccc',
    '--vscode-checkbox-background': '#313131',
    '--vscode-checkbox-border': '#3c3c3c',
    '--vscode-input-background': '#313131',
    '--vscode-keybindingLabel-background': 'rgba(128, 128, 128, 0.17)',
  },
  hc: {
    '--vscode-settings-dropdownBackground': '#000000',
    '--vscode-settings-dropdownBorder': '#6fc3df',
    '--vscode-settings-dropdownForeground': '#ffffff',
    '--vscode-settings-dropdownListBorder': '#6fc3df',
    '--vscode-settings-checkboxBackground': '#000000',
    '--vscode-settings-checkboxBorder': '#6fc3df',
    '--vscode-settings-checkboxForeground': '#ffffff',
    '--vscode-checkbox-foreground': '#ffffff',
    '--vscode-list-focusOutline': '#f38518',
    ...FONTS,
    '--vscode-foreground': '#ffffff',
    '--vscode-editor-foreground': '#ffffff',
    '--vscode-descriptionForeground': 'rgba(255, 255, 255, 0.7)',
    '--vscode-editor-background': '#000000',
    '--vscode-sideBar-background': '#000000',
    '--vscode-panel-border': '#6fc3df',
    '--vscode-widget-border': '#6fc3df',
    '--vscode-contrastBorder': '#6fc3df',
    '--vscode-contrastActiveBorder': '#f38518',
    '--vscode-focusBorder': '#f38518',
    '--vscode-button-background': '#000000',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-border': '#6fc3df',
    '--vscode-button-secondaryBackground': '#000000',
    '--vscode-button-secondaryForeground': '#ffffff',
    '--vscode-badge-background': '#000000',
    '--vscode-badge-foreground': '#ffffff',
    ...DARK_CHARTS,
    '--vscode-errorForeground': '#f48771',
    '--vscode-list-hoverBackground': 'rgba(0, 0, 0, 0)',
    '--vscode-list-activeSelectionBackground': 'rgba(0, 0, 0, 0)',
    '--vscode-editor-inactiveSelectionBackground': 'rgba(255, 255, 255, 0.2)',
    '--vscode-editor-findMatchHighlightBackground': 'rgba(0, 0, 0, 0)',
    '--vscode-textCodeBlock-background': '#000000',
    '--vscode-dropdown-background': '#000000',
    '--vscode-dropdown-border': '#6fc3df',
    '--vscode-dropdown-foreground': '#ffffff',
    '--vscode-checkbox-background': '#000000',
    '--vscode-checkbox-border': '#6fc3df',
    '--vscode-input-background': '#000000',
  },
};

const PRELUDE = `(() => {
  const params = new URLSearchParams(location.search);
  const theme = params.get('theme') || 'light';
  const vars = ${JSON.stringify(THEMES)}[theme];
  document.body.classList.add(theme === 'hc' ? 'vscode-high-contrast' : 'vscode-' + theme);
  for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
  window.__posted = [];
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  let state = params.has('state') ? JSON.parse(params.get('state')) : undefined;
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => state,
      setState: (s) => { state = JSON.parse(JSON.stringify(s)); window.__state = state; return s; },
    });
  };
})();
`;

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.woff2': 'font/woff2', '.map': 'application/json', '.html': 'text/html' };

export class Harness {
  private server!: Server;
  browser!: Browser;
  origin = '';
  /** Paths the page asked for that do not exist (a missing font or stylesheet). */
  readonly missing: string[] = [];

  async start(): Promise<void> {
    if (!existsSync(join(dist, 'main.js')) || !existsSync(join(dist, 'main.css'))) throw new Error('dist/webview is missing: run `npm run build` first');
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/') {
        const html = panelHtml({ cspSource: this.origin, nonce: NONCE, scriptUri: `${this.origin}/dist/main.js`, styleUri: `${this.origin}/dist/main.css`, preludeUris: [`${this.origin}/prelude.js`] });
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
        return;
      }
      if (url.pathname === '/prelude.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(PRELUDE);
        return;
      }
      const rel = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '');
      if (rel.startsWith('dist/')) {
        const file = join(dist, rel.slice(5));
        if (file.startsWith(dist) && existsSync(file)) {
          res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
          return;
        }
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      this.missing.push(url.pathname);
      res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async open(opts: { theme?: Theme; state?: unknown; width?: number; height?: number; profile?: boolean } = {}): Promise<Panel> {
    const page = await this.browser.newPage({ viewport: { width: opts.width ?? 1100, height: opts.height ?? 900 } });
    const panel = new Panel(page);
    const q = new URLSearchParams({ theme: opts.theme ?? 'light' });
    if (opts.state !== undefined) q.set('state', JSON.stringify(opts.state));
    if (opts.profile) q.set('profile', '1');
    await page.goto(`${this.origin}/?${q}`);
    await panel.waitPosted((m) => m.type === 'ready');
    return panel;
  }
}

/** One page of the panel, with its scripted host. */
export class Panel {
  readonly consoleErrors: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') this.consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.consoleErrors.push(`pageerror: ${e.message}`));
  }

  posted(): Promise<FromWebview[]> {
    return this.page.evaluate(() => (window as unknown as { __posted: FromWebview[] }).__posted);
  }

  async waitPosted<T extends FromWebview>(pred: (m: FromWebview) => m is T, since?: number, timeout?: number): Promise<T>;
  async waitPosted(pred: (m: FromWebview) => boolean, since?: number, timeout?: number): Promise<FromWebview>;
  async waitPosted(pred: (m: FromWebview) => boolean, since = 0, timeout = 5000): Promise<FromWebview> {
    const end = Date.now() + timeout;
    for (;;) {
      const all = await this.posted();
      const hit = all.slice(since).find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`no matching message posted; got ${JSON.stringify(all.slice(since)).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  count(): Promise<number> {
    return this.page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted.length);
  }

  /** performance.timeOrigin + performance.now() in the page when the last message was delivered. */
  sentAt = 0;

  /** Deliver a host message and wait until the panel reports it painted (for snapshots). */
  async send(m: ToWebview | Record<string, unknown>): Promise<Extract<FromWebview, { type: 'painted' }> | null> {
    const before = await this.count();
    this.sentAt = await this.page.evaluate((msg) => {
      const at = performance.timeOrigin + performance.now();
      window.postMessage(msg, '*');
      return at;
    }, m as unknown as Record<string, unknown>);
    const { type, seq } = m as { type?: unknown; seq?: unknown };
    if (type !== 'snapshot' && type !== 'idle' && type !== 'running') return null;
    return this.waitPosted((x): x is Extract<FromWebview, { type: 'painted' }> => x.type === 'painted' && x.seq === seq, before);
  }

  /** Deliver a host message without waiting for anything. */
  async deliver(m: unknown): Promise<void> {
    await this.page.evaluate((msg) => window.postMessage(msg, '*'), m as Record<string, unknown>);
  }

  text(selector: string): Promise<string> {
    return this.page.locator(selector).first().innerText();
  }

  cspViolations(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  }

  renderTimes(name = 'render'): Promise<number[]> {
    return this.page.evaluate((n) => performance.getEntriesByName(n).map((e) => e.duration), name);
  }
}
