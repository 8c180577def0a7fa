// Mocha entry of the web extension host (a web worker): mocha's browser build defines the global `mocha`.
// The suites are bundled into this file: scripts/build-tests.mjs generates the module
// `integration-suites:all`, which imports every suite/*.test.ts. It is required only after mocha.setup(),
// so that the suites' suite()/test() calls find mocha's globals.
import 'mocha/mocha';

declare const __INTEGRATION_GREP__: string; // INTEGRATION_GREP when the tests were built

export function run(): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      mocha.setup({ ui: 'tdd', reporter: 'spec', color: false, timeout: 60_000 } as unknown as Mocha.MochaOptions);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- evaluated after mocha.setup()
      require('integration-suites:all');
      if (__INTEGRATION_GREP__) mocha.grep(new RegExp(__INTEGRATION_GREP__));
      const runner = mocha.run((failures) => {
        const st = runner.stats!;
        console.log(`${st.passes} passed, ${st.failures} failed${st.pending ? `, ${st.pending} skipped` : ''}`);
        if (failures > 0) reject(new Error(`${failures} tests failed.`));
        else if (st.passes === 0) reject(new Error('no tests ran'));
        else resolve();
      });
    } catch (err) {
      console.error(err);
      reject(err);
    }
  });
}
