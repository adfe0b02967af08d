#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled dist/cli/main.js.
//
// This file is CommonJS (bin/package.json) so that it runs before anything used libuv's
// thread pool: the pool reads UV_THREADPOOL_SIZE once, when first used, and loading an
// ES module launcher already uses it. A store's block fsyncs run in the pool, and a
// dozen at once let the file system commit them together: with the default four,
// `store` took about 1.3× the same durable writes done by bench/write-floor.py.
process.env.UV_THREADPOOL_SIZE ??= '16';

import('../dist/cli/main.js').then(({ main }) =>
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 1;
    },
  ),
);
