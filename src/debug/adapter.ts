/**
 * The Debug Adapter: translates Debug Adapter Protocol requests into calls on the training runtime.
 * (Skeleton: being written.)
 */
import { DebugSession } from '@vscode/debugadapter';
import type { AdapterHost } from './host';

/** Custom DAP request: a Markdown summary of the layer declared at a line of the network file (for hovers). */
export const LAYER_SUMMARY_REQUEST = 'backprop/layerSummary';
export interface LayerSummaryArguments {
  /** 1-based line in the network file. */
  line: number;
}
export interface LayerSummaryResponse {
  /** Markdown, or null when the line declares no computing layer or nothing has been computed yet. */
  markdown: string | null;
}

export class BackpropDebugSession extends DebugSession {
  constructor(readonly host: AdapterHost) {
    super();
  }
}
