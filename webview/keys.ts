// The panel's keyboard shortcuts. F5, F10, F11, Shift+F11, Shift+F5 and Ctrl+Shift+F5 are VS Code's
// own debug keys: a focused webview forwards its key presses to VS Code, which runs them on the same
// debug session the panel follows, so the panel does not handle them again (that would step twice).
// Its own keys are ones VS Code leaves alone while a webview has focus.
import type { NeuronQuantity, PanelAction } from '../src/shared/protocol';
// Marks this file for `npm run l10n` (see l10n.ts); type-only, not in the bundle.
import type * as _l10nExport from 'vscode';
import { l10n } from './l10n';

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
  /** As shown to the user (title tooltips, the help list), in the current language. */
  readonly label: string;
  /** For aria-keyshortcuts. */
  aria: string;
  readonly what: string;
  command: Command;
}

/** A shortcut whose label and description are read in the current language (l10n.ts) each time. */
const shortcut = (keys: string[], label: () => string, aria: string, what: () => string, command: Command): Shortcut => ({
  keys,
  get label() {
    return label();
  },
  aria,
  get what() {
    return what();
  },
  command,
});
const key = (k: string) => (): string => k;

export const SHORTCUTS: Shortcut[] = [
  shortcut(['ArrowRight', 'n'], () => l10n.t('{0} or {1}', '→', 'N'), 'ArrowRight N', () => l10n.t('Step (by the chosen granularity)'), { kind: 'action', action: 'step' }),
  shortcut(['ArrowLeft', 'b'], () => l10n.t('{0} or {1}', '←', 'B'), 'ArrowLeft B', () => l10n.t('Step back'), { kind: 'action', action: 'stepBack' }),
  shortcut(['i'], key('I'), 'I', () => l10n.t('Step into (one neuron / example)'), { kind: 'action', action: 'stepInto' }),
  shortcut(['o'], key('O'), 'O', () => l10n.t('Step out (finish the phase)'), { kind: 'action', action: 'stepOut' }),
  shortcut(['c'], key('C'), 'C', () => l10n.t('Continue'), { kind: 'action', action: 'continue' }),
  shortcut(['p'], key('P'), 'P', () => l10n.t('Pause'), { kind: 'action', action: 'pause' }),
  shortcut(['C'], key('Shift+C'), 'Shift+C', () => l10n.t('Reverse continue'), { kind: 'action', action: 'reverseContinue' }),
  shortcut(['R'], key('Shift+R'), 'Shift+R', () => l10n.t('Restart'), { kind: 'action', action: 'restart' }),
  shortcut(['g'], key('G'), 'G', () => l10n.t('Check the selected gradient by finite differences'), { kind: 'gradientCheck' }),
  shortcut(['1'], key('1'), '1', () => l10n.t('Colour neurons by a (activation)'), { kind: 'quantity', q: 'a' }),
  shortcut(['2'], key('2'), '2', () => l10n.t('Colour neurons by z (weighted input)'), { kind: 'quantity', q: 'z' }),
  shortcut(['3'], key('3'), '3', () => l10n.t('Colour neurons by δ (error)'), { kind: 'quantity', q: 'delta' }),
  shortcut(['w'], key('W'), 'W', () => l10n.t('Edges: weights ⇄ gradients'), { kind: 'toggleEdges' }),
  shortcut([']'], key(']'), ']', () => l10n.t('Select the next neuron'), { kind: 'neuron', delta: 1 }),
  shortcut(['['], key('['), '[', () => l10n.t('Select the previous neuron'), { kind: 'neuron', delta: -1 }),
  shortcut(['}'], key('}'), 'Shift+]', () => l10n.t('Select the next layer'), { kind: 'layer', delta: 1 }),
  shortcut(['{'], key('{'), 'Shift+[', () => l10n.t('Select the previous layer'), { kind: 'layer', delta: -1 }),
  shortcut(['?'], key('?'), 'Shift+?', () => l10n.t('Show or hide these shortcuts'), { kind: 'help' }),
  shortcut(['Escape'], key('Esc'), 'Escape', () => l10n.t('Close the shortcut list'), { kind: 'closeHelp' }),
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
