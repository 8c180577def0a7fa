/**
 * The VS Code extension: the `backprop` debugger (an inline Debug Adapter, so it runs in the desktop
 * and in the web-worker extension host alike), its launch configurations, the Problems panel for
 * network files, layer hovers while debugging, and the Backprop commands.
 */
import * as vscode from 'vscode';
import { BackpropDebugSession } from '../debug/adapter';
import { registerCommands } from './commands';
import { BackpropConfigurationProvider, BackpropDynamicConfigurationProvider, DEBUG_TYPE } from './debugConfig';
import { NetworkDiagnostics } from './diagnostics';
import { workspaceAdapterHost } from './host';
import { LayerHoverProvider, NETWORK_SELECTOR } from './hover';
import { registerExampleCommands } from './examples';
import { registerExports } from './exports';
import { registerLabCommands } from './labs';
import { SHOW_PANEL_COMMAND, StepperPanel } from './panel';

class InlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly panel: StepperPanel) {}

  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    const adapter = new BackpropDebugSession(workspaceAdapterHost);
    // The panel reads the state of this very session (no second engine).
    this.panel.register(session, adapter);
    return new vscode.DebugAdapterInlineImplementation(adapter);
  }
}

/** Set by the bundle's first line (scripts/build.mjs): when the extension's code started loading. */
declare const __backpropLoadStart: number | undefined;

/** What the extension exports: its own activation cost, for the benchmark and the integration tests. */
export interface BackpropExtensionApi {
  activation: { loadMs: number; activateMs: number };
  /** The stepper panel (tests and the latency benchmark watch what it paints). */
  panel: StepperPanel;
}

const clock = (): number => (globalThis.performance ? globalThis.performance.now() : Date.now());

export function activate(context: vscode.ExtensionContext): BackpropExtensionApi {
  const activateStart = clock();
  const diagnostics = new NetworkDiagnostics();
  const panel = new StepperPanel(context.extensionUri);
  context.subscriptions.push(
    diagnostics,
    panel,
    vscode.commands.registerCommand(SHOW_PANEL_COMMAND, () => panel.show()),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new InlineAdapterFactory(panel)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new BackpropConfigurationProvider(diagnostics)),
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      new BackpropDynamicConfigurationProvider(),
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.languages.registerHoverProvider(NETWORK_SELECTOR, new LayerHoverProvider()),
    ...registerCommands(diagnostics),
    ...registerLabCommands(panel),
    ...registerExports(panel),
    ...registerExampleCommands(context.extensionUri),
  );
  const loadStart = typeof __backpropLoadStart === 'number' ? __backpropLoadStart : activateStart;
  const end = clock();
  return { activation: { loadMs: activateStart - loadStart, activateMs: end - activateStart }, panel };
}

export function deactivate(): void {
  // Everything registered is in context.subscriptions, which VS Code disposes.
}
