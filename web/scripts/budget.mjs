// budget.mjs: after `vite build`, measures the JavaScript a first visit loads (the scripts and
// module preloads index.html names, plus their static imports) gzipped at level 9, and fails
// the build when it exceeds the budget (100 KB). Also reports CSS and fonts for the record and
// writes dist/budget.json.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_JS = 100 * 1024;
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const gz = (f) => gzipSync(readFileSync(path.join(dist, f)), { level: 9 }).length;
const raw = (f) => readFileSync(path.join(dist, f)).length;

const js = new Set();
for (const m of html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/([^"]+\.js)"/g)) js.add(m[1]);
// static imports of those chunks (lazy import() chunks are not part of the first load)
const queue = [...js];
while (queue.length) {
  const f = queue.pop();
  const src = readFileSync(path.join(dist, f), 'utf8');
  for (const m of src.matchAll(/(?:^|[;\s}])import\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([^"']+\.js)["']/g)) {
    const dep = path.posix.join(path.posix.dirname(f), m[1]);
    if (!js.has(dep)) { js.add(dep); queue.push(dep); }
  }
}
const css = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="\/([^"]+\.css)"/g)].map((m) => m[1]);
const sum = (l, fn) => l.reduce((s, f) => s + fn(f), 0);
const report = {
  first_load_js: { files: [...js], bytes: sum([...js], raw), gzip_bytes: sum([...js], gz), budget_gzip_bytes: BUDGET_JS },
  css: { files: css, bytes: sum(css, raw), gzip_bytes: sum(css, gz) },
  measured_at: new Date().toISOString(),
};
writeFileSync(path.join(dist, 'budget.json'), JSON.stringify(report, null, 2) + '\n');
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`budget: first-load JavaScript ${kb(report.first_load_js.gzip_bytes)} gzipped (${kb(report.first_load_js.bytes)} raw), budget ${kb(BUDGET_JS)}; CSS ${kb(report.css.gzip_bytes)} gzipped`);
if (report.first_load_js.gzip_bytes > BUDGET_JS) {
  console.error('budget: first-load JavaScript is over budget');
  process.exit(1);
}
