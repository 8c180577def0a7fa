/**
 * Where things are in the network file: the line span of each layer, of `loss`, `optimizer` and `training`,
 * so that stack frames point at the layer being computed and line breakpoints map to layers.
 */
import { analyzeNetworkText, LineIndex, nodeAtPath } from '../engine';

export interface Span {
  /** 1-based first and last line. */
  start: number;
  end: number;
}

export type BreakTarget =
  | { kind: 'layer'; layer: number }
  | { kind: 'input' }
  | { kind: 'loss' }
  | { kind: 'optimizer' }
  | { kind: 'none' };

export class SourceMap {
  /** Span of layers[i] (index i = layer number − 1). */
  readonly layers: Span[] = [];
  readonly loss: Span | null;
  readonly optimizer: Span | null;
  readonly training: Span | null;
  readonly layersArray: Span | null;

  constructor(text: string) {
    const parsed = analyzeNetworkText(text);
    const lines = new LineIndex(text);
    const span = (path: string, exact = true): Span | null => {
      const node = nodeAtPath(parsed.tree, path);
      if (!node || !parsed.tree) return null;
      // A property resolves to its value node; include the key's line (the property node).
      const owner = node.parent && node.parent.type === 'property' ? node.parent : node;
      if (exact && node === parsed.tree && path !== '') return null;
      return { start: lines.position(owner.offset).line, end: lines.position(owner.offset + owner.length).line };
    };
    const layersNode = nodeAtPath(parsed.tree, 'layers');
    const count = layersNode && layersNode.type === 'array' && layersNode !== parsed.tree ? (layersNode.children?.length ?? 0) : 0;
    for (let i = 0; i < count; i++) {
      const child = layersNode!.children![i];
      this.layers.push({ start: lines.position(child.offset).line, end: lines.position(child.offset + child.length).line });
    }
    this.layersArray = count ? span('layers') : null;
    this.loss = span('loss');
    this.optimizer = span('optimizer');
    this.training = span('training');
  }

  /** The line a frame shows for layer l (1…L): the first line of its object. */
  layerLine(l: number): number {
    return this.layers[l - 1]?.start ?? this.layersArray?.start ?? 1;
  }

  /**
   * What a line breakpoint on `line` stops on. The innermost layer wins; on a line shared by two layers
   * (`}, {`), the one that starts there, so that a layer's first line (where its frames point) is its own.
   */
  targetAt(line: number): BreakTarget {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const s = this.layers[i];
      if (line >= s.start && line <= s.end) return i === 0 ? { kind: 'input' } : { kind: 'layer', layer: i + 1 };
    }
    if (this.loss && line >= this.loss.start && line <= this.loss.end) return { kind: 'loss' };
    if (this.optimizer && line >= this.optimizer.start && line <= this.optimizer.end) return { kind: 'optimizer' };
    return { kind: 'none' };
  }
}
