#!/usr/bin/env node
// Thin launcher of the git remote helper (git runs it for hbs2tk:// URLs); the helper
// lives in the compiled dist/cli/git-remote.js. CommonJS for the reason bin/hbs2.js gives.
process.env.UV_THREADPOOL_SIZE ??= '16';

import('../dist/cli/git-remote.js').then(({ gitRemoteMain }) =>
  gitRemoteMain(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 1;
    },
  ),
);
