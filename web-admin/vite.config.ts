// Vite build of the admin portal into web-admin/dist (hashed files under /assets/). The binary
// serves it on the admin listener (CHATLINGS_ADMIN_STATIC_DIR). `npm run dev` proxies the API
// to a running admin listener (CHATLINGS_DEV_ADMIN_API, default http://127.0.0.1:8081); the
// proxy keeps the browser's Host, so the server sees the dev page as its own origin.
import { defineConfig } from 'vite';

const API = process.env.CHATLINGS_DEV_ADMIN_API || 'http://127.0.0.1:8081';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0, // CSP: no data: scripts or styles
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    port: 57402,
    proxy: { '/api': API, '/auth': API, '/thumbs': API, '/artwork': API },
  },
});
