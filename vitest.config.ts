import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts'], exclude: ['test/s3/**'] },
      },
      {
        // Against a real Ceph RADOS gateway, started once for these files only.
        extends: true,
        test: {
          name: 's3',
          include: ['test/s3/**/*.test.ts'],
          globalSetup: ['test/s3/global-setup.ts'],
          hookTimeout: 120_000,
          // One file at a time: the outage test stops the shared gateway.
          fileParallelism: false,
        },
      },
    ],
  },
});
