// `npm run bench:vscode` (not part of npm test): measured inside a real VS Code, in each extension host.
//  - activation: the extension's own load + activate time (it reports them as its exports);
//  - step latency: from a DAP request sent through VS Code (`session.customRequest`) to the `stopped`
//    event seen by a debug adapter tracker, on an mnist-shaped network (784-128-10, batch 64, 1,024
//    synthetic examples written as CSV into the workspace);
//  - panel latency: from that `stopped` event in the extension host to the stepper panel's webview
//    reporting the step painted (after its DOM update and the next animation frame), on the same clock
//    (performance.timeOrigin + performance.now() on both sides); and how much of it is building the snapshot.
// Results are printed as one `BENCH {json}` line per host, which bench/vscode.mjs collects.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { mnistShapedCsv, mnistShapedNetwork } from '../../fixtures/mnist-shaped';
import { activateExtension, examplesUri, host, waitFor, workspaceFolder } from '../suite/util';

const now = (): number => performance.now();
const quantile = (a: number[], q: number): number => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(q * a.length))];

suite(`latency (${host} extension host)`, () => {
  test('activation and step → stopped on 784-128-10', async function () {
    this.timeout(180_000);
    const ext = await activateExtension();
    const activation = (ext.exports as { activation: { loadMs: number; activateMs: number } }).activation;

    const csv = mnistShapedCsv();
    await vscode.workspace.fs.writeFile(examplesUri('bench-mnist.csv'), new TextEncoder().encode(csv.text));
    const net = mnistShapedNetwork({ csv: 'bench-mnist.csv', inputs: csv.columns, target: 'label' }, { batchSize: 64, epochs: 5 });
    const uri = examplesUri('bench-mnist.backprop.json');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(JSON.stringify(net, null, 2)));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));

    let stops = 0;
    let stoppedAt = 0;
    let stoppedEpoch = 0;
    interface Paint { seq: number; at: number; sentAt: number; summary: string; received?: number; rendered?: number }
    const panel = (ext.exports as { panel: { onDidPaint(f: (r: Paint) => void): vscode.Disposable; lastPainted?: Paint; isOpen: boolean } }).panel;
    const paints: Paint[] = [];
    const paintSub = panel.onDidPaint((r) => paints.push(r));
    const tracker = vscode.debug.registerDebugAdapterTrackerFactory('backprop', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (m: { type?: string; event?: string }) => {
          if (m.type === 'event' && m.event === 'stopped') {
            stoppedAt = now();
            stoppedEpoch = performance.timeOrigin + performance.now();
            stops++;
          }
        },
      }),
    });
    try {
      const t0 = now();
      assert.strictEqual(await vscode.debug.startDebugging(workspaceFolder(), { type: 'backprop', request: 'launch', name: 'bench', network: '${file}' }), true);
      await waitFor(() => stops > 0, 60_000, 'the stop on entry');
      const launchMs = stoppedAt - t0;
      const session = vscode.debug.activeDebugSession!;
      const time = async (command: string): Promise<number> => {
        const before = stops;
        const start = now();
        await session.customRequest(command, { threadId: 1 });
        await waitFor(() => stops > before, 30_000, `stop after ${command}`);
        return stoppedAt - start;
      };
      const over: number[] = [];
      const into: number[] = [];
      const back: number[] = [];
      for (let i = 0; i < 150; i++) over.push(await time('next'));
      for (let i = 0; i < 30; i++) into.push(await time('stepIn'));
      for (let i = 0; i < 30; i++) back.push(await time('stepBack'));
      // The panel: step, then wait for the webview to report the step painted. The panel's own tracker sees
      // the stop first (it was registered first) and stamps `sentAt` before building the snapshot, so the
      // step's start is the earlier of its stamp and this suite's.
      await waitFor(() => panel.isOpen && paints.length > 0, 30_000, 'the panel painting the session');
      await new Promise((r) => setTimeout(r, 1000)); // let the panel settle after the loops above
      const toPaint: number[] = [];
      const build: number[] = [];
      const transport: number[] = [];
      const renderMs: number[] = [];
      const frameWait: number[] = [];
      const toRendered: number[] = [];
      for (let i = 0; i < 120; i++) {
        const before = paints.length;
        const stopsBefore = stops;
        await session.customRequest('next', { threadId: 1 });
        await waitFor(() => stops > stopsBefore && paints.length > before, 30_000, 'the step painted');
        const p = paints[before];
        const start = Math.min(p.sentAt, stoppedEpoch);
        toPaint.push(p.at - start);
        build.push(Math.max(0, stoppedEpoch - p.sentAt));
        if (p.received !== undefined && p.rendered !== undefined) {
          transport.push(p.received - p.sentAt);
          renderMs.push(p.rendered - p.received);
          frameWait.push(p.at - p.rendered);
          toRendered.push(p.rendered - start);
        }
      }
      paintSub.dispose();
      const position = (await session.customRequest('backprop/position')) as { step: number };
      assert.ok(position.step > 100, `stepped: ${JSON.stringify(position)}`);
      const stat = (a: number[]) => ({ n: a.length, median: quantile(a, 0.5), p95: quantile(a, 0.95), max: Math.max(...a) });
      console.log('BENCH ' + JSON.stringify({ host, activation, launchMs, stepOver: stat(over), stepIn: stat(into), stepBack: stat(back), panelStopToPainted: stat(toPaint), panelTrackerToTracker: stat(build), panelStopToRendered: stat(toRendered), panelTransport: stat(transport), panelRender: stat(renderMs), panelFrameWait: stat(frameWait) }));
      await vscode.debug.stopDebugging(session);
    } finally {
      tracker.dispose();
    }
  });
});
