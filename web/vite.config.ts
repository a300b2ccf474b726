// Vite build of the players' PWA into web/dist (hashed files under /assets/), plus the
// service worker: src/sw.js is emitted as /sw.js (unhashed: its URL is its identity) with the
// list of every built file to precache and a build id, so each deploy installs a fresh cache.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const API = process.env.CHATLINGS_DEV_API || 'http://127.0.0.1:8080';

function publicFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...publicFiles(full, `${prefix}${name}/`));
    else out.push(`${prefix}${name}`);
  }
  return out;
}

function serviceWorker(): Plugin {
  return {
    name: 'chatlings-service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((f) => !f.endsWith('.map'));
      files.push(...publicFiles(path.resolve(__dirname, 'public')));
      const precache = ['/', ...files.filter((f) => f !== 'index.html').map((f) => `/${f}`)].sort();
      const id = createHash('sha256').update(precache.join('\n')).digest('hex').slice(0, 12);
      const src = readFileSync(path.resolve(__dirname, 'src/sw.js'), 'utf8')
        .replace('self.__PRECACHE__', JSON.stringify(precache))
        .replace('self.__BUILD_ID__', JSON.stringify(id));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source: src });
    },
  };
}

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    // every screen ships in the first load (under the budget) so the app works offline at once
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0, // CSP: no data: fonts or scripts; images may be data: but keep files
    sourcemap: false,
    reportCompressedSize: false,
  },
  plugins: [serviceWorker()],
  server: {
    port: 57401,
    proxy: {
      '/api': API,
      '/auth': API,
      '/ws': { target: API.replace(/^http/, 'ws'), ws: true },
    },
  },
});
