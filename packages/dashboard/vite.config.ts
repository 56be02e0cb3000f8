import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // Contracts import `z` from @hono/zod-openapi for the server's OpenAPI document; the browser gets plain zod with
    // a no-op .openapi() (see src/lib/zod-openapi-shim.ts) so Hono and the generator stay out of the bundle.
    alias: { '@hono/zod-openapi': fileURLToPath(new URL('./src/lib/zod-openapi-shim.ts', import.meta.url)) },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' } },
});
