// Sizes of what ships, each next to its bare baseline built in the same run
// with the same settings (cargo xtask bench builds them): the console's wasm
// and the decoder entry's against a one-component Leptos page, the worker's
// against a workers-rs worker that answers one KV get. Raw, gzip -9 and brotli (quality 11, what
// Cloudflare serves browsers that ask for it), and the ratios.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { ROOT } from '../e2e/harness.mjs';

// dist/ holds two entries, the console (frontend-*.wasm) and the decoder's own (decoder-*.wasm).
const wasmIn = (dir, prefix = '') => {
  const f = readdirSync(dir).find((n) => n.startsWith(prefix) && n.endsWith('.wasm'));
  if (!f) throw new Error(`no ${prefix}*.wasm in ${dir}: run cargo xtask bench, which builds it`);
  return path.join(dir, f);
};

function sizes(file) {
  const bytes = readFileSync(file);
  return {
    raw_bytes: bytes.length,
    gzip9_bytes: gzipSync(bytes, { level: 9 }).length,
    brotli_bytes: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

const bareConsole = wasmIn(path.join(ROOT, 'target', 'bench', 'bare-console'));
const pairs = [
  ['console', wasmIn(path.join(ROOT, 'dist'), 'frontend-'), bareConsole],
  // The decoder page is opened alone, signed out: its first visit loads only this.
  ['decoder', wasmIn(path.join(ROOT, 'dist'), 'decoder-'), bareConsole],
  ['worker', path.join(ROOT, 'worker', 'build', 'index_bg.wasm'), path.join(ROOT, 'tests', 'bench', 'bare-worker', 'build', 'index_bg.wasm')],
];
const ratio = (a, b) => +(a / b).toFixed(3);
for (const [name, ours, bare] of pairs) {
  const [o, b] = [sizes(ours), sizes(bare)];
  console.log(JSON.stringify({ figure: `${name}_wasm`, ...o }));
  console.log(JSON.stringify({ figure: `bare_${name}_wasm`, ...b }));
  console.log(JSON.stringify({
    figure: `${name}_vs_bare`,
    raw_ratio: ratio(o.raw_bytes, b.raw_bytes),
    gzip9_ratio: ratio(o.gzip9_bytes, b.gzip9_bytes),
    brotli_ratio: ratio(o.brotli_bytes, b.brotli_bytes),
  }));
}
