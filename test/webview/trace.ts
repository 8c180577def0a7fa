// Snapshots for the webview tests, built by the real host code (src/debug/panel.ts) from a real
// debug runtime: Mazur's 2-2-2 worked example and a 784-128-10 network on synthetic data.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSnapshot, checkGradient } from '../../src/debug/panel';
import { lcg, mnistShapedNetwork } from '../fixtures/mnist-shaped';
import { DebugRuntime } from '../../src/debug/runtime';
import { answerQuestion } from '../../src/debug/exerciseView';
import type { QuestionResult } from '../../src/engine';
import { DEFAULT_SELECTION, type GradientCheckResult, type Selection, type Snapshot, type ToWebview } from '../../src/shared/protocol';

const root = join(__dirname, '..', '..');

/** A scripted debug session: a runtime plus the selection the panel asked for. */
export class Session {
  selection: Selection = { ...DEFAULT_SELECTION, tables: [] };
  seq = 0;
  reason = 'entry';
  /** A lab's answers so far, as the host keeps them (src/extension/panel.ts), and the equation's digits. */
  readonly answers = new Map<string, QuestionResult>();
  precision = 4;

  private constructor(
    readonly rt: DebugRuntime,
    readonly name: string,
  ) {}

  static async load(text: string, fileName: string, name: string): Promise<Session> {
    const { runtime, diagnostics } = await DebugRuntime.load(text, fileName, undefined, {});
    if (!runtime) throw new Error(`could not load ${fileName}: ${JSON.stringify(diagnostics)}`);
    return new Session(runtime, name);
  }

  static mazur(): Promise<Session> {
    return Session.load(readFileSync(join(root, 'examples', 'mazur.backprop.json'), 'utf8'), 'mazur.backprop.json', 'Mazur 2-2-2');
  }

  /** Mazur's network with the lab of examples/lab-mazur.backprop.json. */
  static lab(): Promise<Session> {
    return Session.load(readFileSync(join(root, 'examples', 'lab-mazur.backprop.json'), 'utf8'), 'lab-mazur.backprop.json', 'Lab: Mazur 2-2-2 by hand');
  }

  /** The host's reply to an answer or reveal posted by the panel (graded by the engine, as the host does). */
  graded(m: { id: number; question: string; value?: number }): ToWebview {
    try {
      const r = answerQuestion(this.rt, this.answers, m.question, m.value ?? 'revealed');
      return { type: 'graded', id: m.id, ok: true, question: r.view, score: r.score };
    } catch (e) {
      return { type: 'graded', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** An mnist-shaped 784-128-10 network on 64 synthetic examples (inline data, seeded). */
  static large(): Promise<Session> {
    const rand = lcg();
    const inputs: number[][] = [];
    const targets: number[][] = [];
    for (let r = 0; r < 64; r++) {
      // A blurry blob in a 28×28 image, so the input looks like an image.
      const cx = 8 + rand() * 12;
      const cy = 8 + rand() * 12;
      inputs.push(Array.from({ length: 784 }, (_, i) => Number(Math.max(0, 1 - Math.hypot((i % 28) - cx, Math.floor(i / 28) - cy) / 7 + rand() * 0.1).toFixed(3))));
      targets.push(Array.from({ length: 10 }, (_, k) => (k === r % 10 ? 1 : 0)));
    }
    const net = mnistShapedNetwork({ inputs, targets }, { batchSize: 16, epochs: 2 });
    return Session.load(JSON.stringify(net), 'large.backprop.json', 'mnist-shaped 784-128-10');
  }

  snapshot(): Snapshot {
    const s = buildSnapshot(this.rt, this.selection, { name: this.name, reason: this.reason, answers: this.answers, precision: this.precision });
    this.selection = s.selection;
    return s;
  }

  /** The host's message for the current state (JSON round trip, as VS Code serializes it). */
  message(): ToWebview {
    return JSON.parse(JSON.stringify({ type: 'snapshot', seq: this.seq++, snapshot: this.snapshot(), sentAt: Date.now() }));
  }

  async step(n = 1): Promise<void> {
    for (let i = 0; i < n; i++) await this.rt.stepForward('layer', () => {});
    this.reason = 'step';
  }

  back(): void {
    this.rt.stepBack('layer');
    this.reason = 'step';
  }

  gradientCheck(layer: number, neuron: number, weight: number | null): GradientCheckResult {
    return checkGradient(this.rt, layer, neuron, weight);
  }
}
