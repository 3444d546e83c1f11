// Vite builds the canvas into dist/apps/web, which the gateway serves at `/`.
// JSX goes through esbuild's automatic runtime (no Babel plugin: @vitejs/plugin-react 6 needs Vite 8).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tsconfigPaths from 'vite-tsconfig-paths';
import { defineConfig } from 'vite';

const webRoot = dirname(fileURLToPath(import.meta.url));
const workspaceRoot = join(webRoot, '..', '..');
const gateway = process.env['GATEWAY_URL'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [tsconfigPaths({ root: workspaceRoot, projects: [join(webRoot, 'tsconfig.json')] })],
  esbuild: { jsx: 'automatic' },
  server: {
    host: '127.0.0.1',
    port: 4200,
    strictPort: true,
    proxy: {
      '/api': { target: gateway, changeOrigin: false, ws: true },
      '/healthz': gateway,
      '/readyz': gateway,
    },
  },
  preview: { host: '127.0.0.1', port: 4300 },
  build: {
    outDir: join(workspaceRoot, 'dist', 'apps', 'web'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      onwarn(warning, warn) {
        // @xyflow/react marks its entry "use client" (for React Server Components); meaningless in an SPA.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        if (warning.code === 'SOURCEMAP_ERROR' && warning.id?.includes('@xyflow/')) return;
        warn(warning);
      },
    },
  },
});
