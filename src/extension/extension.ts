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

class InlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(): vscode.DebugAdapterDescriptor {
    return new vscode.DebugAdapterInlineImplementation(new BackpropDebugSession(workspaceAdapterHost));
  }
}

export function activate(context: vscode.ExtensionContext): void {
  const diagnostics = new NetworkDiagnostics();
  context.subscriptions.push(
    diagnostics,
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new InlineAdapterFactory()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new BackpropConfigurationProvider(diagnostics)),
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      new BackpropDynamicConfigurationProvider(),
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.languages.registerHoverProvider(NETWORK_SELECTOR, new LayerHoverProvider()),
    ...registerCommands(diagnostics),
  );
}

export function deactivate(): void {
  // Everything registered is in context.subscriptions, which VS Code disposes.
}
