// Mocha entry of the Node extension host (desktop VS Code, or code-server through the shim): runs every
// suite/*.test.js that scripts/build-tests.mjs bundled next to this file.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

declare const __INTEGRATION_GREP__: string; // INTEGRATION_GREP when the tests were built

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: process.env.MOCHA_COLOR === '1', timeout: 60_000 });
  const suiteDir = path.resolve(__dirname, 'suite');
  const files = fs.readdirSync(suiteDir).filter((f) => f.endsWith('.test.js')).sort();
  for (const f of files) mocha.addFile(path.join(suiteDir, f));
  if (__INTEGRATION_GREP__) mocha.grep(new RegExp(__INTEGRATION_GREP__));
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const st = runner.stats!;
        console.log(`${st.passes} passed, ${st.failures} failed${st.pending ? `, ${st.pending} skipped` : ''}`);
        if (failures > 0) reject(new Error(`${failures} tests failed.`));
        else if (st.passes === 0) reject(new Error(`no tests ran (suite files: ${files.join(', ') || 'none'})`));
        else resolve();
      });
    } catch (err) {
      console.error(err);
      reject(err);
    }
  });
}
