/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm start` serves the console on 3000 and forwards /api to the bff (BFF_URL, else :8080),
// so the browser sees one origin and the bff's session cookie and CSRF check just work.
const bffUrl = process.env.BFF_URL || 'http://127.0.0.1:8080';
const proxy: Record<string, { target: string; changeOrigin: boolean; xfwd?: boolean }> = {
  '/api': { target: bffUrl, changeOrigin: false, xfwd: true },
};
// Local S3 stand-in (moto) behind the console's origin: the bff then signs upload URLs for
// this origin (its AWS_ENDPOINT_URL), so the browser's PUT is same-origin (moto answers a
// CORS preflight of a presigned URL with 403; real S3 uses the bucket's CORS rule instead).
if (process.env.S3_PROXY_URL) {
  proxy[`/${process.env.S3_PROXY_BUCKET || 'origin-local-files'}`] = { target: process.env.S3_PROXY_URL, changeOrigin: false };
}

export default defineConfig({
  plugins: [react()],
  server: { port: 3000, strictPort: true, proxy },
  preview: { port: 3000, strictPort: true, proxy },
  build: { sourcemap: true },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test-setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // Above the 5 s find/waitFor limit (src/test-setup.ts), so a slow machine fails a lookup, not the test's clock.
    testTimeout: 15000,
  },
});
