/**
 * Hovers on a network file while it is being debugged: the adapter's Markdown summary of the layer
 * declared on the hovered line (its current activations, deltas, weights), via a custom DAP request.
 */
import * as vscode from 'vscode';
import { LAYER_SUMMARY_REQUEST, type LayerSummaryArguments, type LayerSummaryResponse } from '../debug/adapter';
import { DEBUG_TYPE, NETWORK_GLOB } from './debugConfig';
import { networkUri } from './host';

export const NETWORK_SELECTOR: vscode.DocumentSelector = { language: 'json', pattern: NETWORK_GLOB };

/** Is `session` debugging this document? */
function debugs(session: vscode.DebugSession, doc: vscode.TextDocument): boolean {
  const network: unknown = session.configuration.network;
  if (typeof network !== 'string' || network === '') return true;
  try {
    return networkUri(network).toString() === doc.uri.toString();
  } catch {
    return false;
  }
}

export class LayerHoverProvider implements vscode.HoverProvider {
  async provideHover(doc: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const session = vscode.debug.activeDebugSession;
    if (!session || session.type !== DEBUG_TYPE || !debugs(session, doc)) return undefined;
    try {
      const args: LayerSummaryArguments = { line: position.line + 1 };
      const body = (await session.customRequest(LAYER_SUMMARY_REQUEST, args)) as LayerSummaryResponse | undefined;
      if (token.isCancellationRequested || !body || typeof body.markdown !== 'string' || body.markdown === '') return undefined;
      const md = new vscode.MarkdownString(body.markdown);
      return new vscode.Hover(md, doc.lineAt(position.line).range);
    } catch {
      return undefined;
    }
  }
}
