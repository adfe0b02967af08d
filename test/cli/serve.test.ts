/**
 * `hbs2 serve` on the command line: a bad port is a usage error (exit 2, one error line);
 * the server itself is tested over loopback in test/unit/serve and, with the page, in
 * test/browser. Build first: `npx tsc -p tsconfig.build.json`.
 */
import { describe, it } from 'vitest';
import { expectOneError, runCli, useTempDir } from '../helpers/cli.js';

describe('hbs2 serve', () => {
  const dir = useTempDir();

  it('refuses a port out of range or not a number with exit 2', () => {
    expectOneError(runCli(dir(), ['serve', '--port', '65536']), 2, {
      text: '--port must be a number from 0 to 65535',
      emptyStdout: true,
    });
    expectOneError(runCli(dir(), ['serve', '--port', 'http']), 2, { text: "got 'http'" });
  });
});
