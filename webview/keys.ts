// The panel's keyboard shortcuts. F5, F10, F11, Shift+F11, Shift+F5 and Ctrl+Shift+F5 are VS Code's
// own debug keys: a focused webview forwards its key presses to VS Code, which runs them on the same
// debug session the panel follows, so the panel does not handle them again (that would step twice).
// Its own keys are ones VS Code leaves alone while a webview has focus.
import type { NeuronQuantity, PanelAction } from '../src/shared/protocol';

export type Command =
  | { kind: 'action'; action: PanelAction }
  | { kind: 'gradientCheck' }
  | { kind: 'quantity'; q: NeuronQuantity }
  | { kind: 'toggleEdges' }
  | { kind: 'neuron'; delta: number }
  | { kind: 'layer'; delta: number }
  | { kind: 'help' }
  | { kind: 'closeHelp' };

export interface Shortcut {
  keys: string[];
  /** As shown to the user (title tooltips, aria-keyshortcuts, the help list). */
  label: string;
  aria: string;
  what: string;
  command: Command;
}

export const SHORTCUTS: Shortcut[] = [
  { keys: ['ArrowRight', 'n'], label: '→ or N', aria: 'ArrowRight N', what: 'Step (by the chosen granularity)', command: { kind: 'action', action: 'step' } },
  { keys: ['ArrowLeft', 'b'], label: '← or B', aria: 'ArrowLeft B', what: 'Step back', command: { kind: 'action', action: 'stepBack' } },
  { keys: ['i'], label: 'I', aria: 'I', what: 'Step into (one neuron / example)', command: { kind: 'action', action: 'stepInto' } },
  { keys: ['o'], label: 'O', aria: 'O', what: 'Step out (finish the phase)', command: { kind: 'action', action: 'stepOut' } },
  { keys: ['c'], label: 'C', aria: 'C', what: 'Continue', command: { kind: 'action', action: 'continue' } },
  { keys: ['p'], label: 'P', aria: 'P', what: 'Pause', command: { kind: 'action', action: 'pause' } },
  { keys: ['C'], label: 'Shift+C', aria: 'Shift+C', what: 'Reverse continue', command: { kind: 'action', action: 'reverseContinue' } },
  { keys: ['R'], label: 'Shift+R', aria: 'Shift+R', what: 'Restart', command: { kind: 'action', action: 'restart' } },
  { keys: ['g'], label: 'G', aria: 'G', what: 'Check the selected gradient by finite differences', command: { kind: 'gradientCheck' } },
  { keys: ['1'], label: '1', aria: '1', what: 'Colour neurons by a (activation)', command: { kind: 'quantity', q: 'a' } },
  { keys: ['2'], label: '2', aria: '2', what: 'Colour neurons by z (weighted input)', command: { kind: 'quantity', q: 'z' } },
  { keys: ['3'], label: '3', aria: '3', what: 'Colour neurons by δ (error)', command: { kind: 'quantity', q: 'delta' } },
  { keys: ['w'], label: 'W', aria: 'W', what: 'Edges: weights ⇄ gradients', command: { kind: 'toggleEdges' } },
  { keys: [']'], label: ']', aria: ']', what: 'Select the next neuron', command: { kind: 'neuron', delta: 1 } },
  { keys: ['['], label: '[', aria: '[', what: 'Select the previous neuron', command: { kind: 'neuron', delta: -1 } },
  { keys: ['}'], label: '}', aria: 'Shift+]', what: 'Select the next layer', command: { kind: 'layer', delta: 1 } },
  { keys: ['{'], label: '{', aria: 'Shift+[', what: 'Select the previous layer', command: { kind: 'layer', delta: -1 } },
  { keys: ['?'], label: '?', aria: 'Shift+?', what: 'Show or hide these shortcuts', command: { kind: 'help' } },
  { keys: ['Escape'], label: 'Esc', aria: 'Escape', what: 'Close the shortcut list', command: { kind: 'closeHelp' } },
];

export const shortcutFor = (action: PanelAction): Shortcut | undefined => SHORTCUTS.find((s) => s.command.kind === 'action' && s.command.action === action);

/** Elements that use these keys themselves (text fields, selects, the compact layers' arrow keys). */
const OWN_KEYS = 'input, textarea, select, vscode-textfield, vscode-textarea, vscode-single-select, vscode-multi-select, [role="slider"], [contenteditable]';

export function commandFor(e: KeyboardEvent): Command | null {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return null;
  const target = e.target as Element | null;
  if (target && target !== document.body && target.closest?.(OWN_KEYS)) return null;
  for (const s of SHORTCUTS) if (s.keys.includes(e.key)) return s.command;
  return null;
}
