// What the bench scripts share: percentiles, timed request loops, and the
// wrangler.toml of the plain-JS reference worker.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The `p`th percentile of `samples` (nearest rank). */
export function pct(samples, p) {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Runs `fn(i)` `n` times in sequence; answers each one's milliseconds. A non-2xx answer fails the bench. */
export async function timed(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await fn(i);
    out.push(performance.now() - t);
    if (r.status >= 300) throw new Error(`bench request failed: ${r.status} ${r.text}`);
  }
  return out;
}

/**
 * A `startWranglerDev` config: the reference worker (reference-worker/) as
 * `name`, serving `assets` behind the same [assets] front as ours
 * (run_worker_first for /v2/*). Written into the throwaway dir, so
 * wrangler's .wrangler/ lands there too.
 */
export function referenceConfig(name, assets) {
  return async (dir) => {
    const file = path.join(dir, 'wrangler.toml');
    await writeFile(file, [
      `name = ${JSON.stringify(name)}`,
      `main = ${JSON.stringify(path.join(import.meta.dirname, 'reference-worker', 'index.js'))}`,
      'compatibility_date = "2026-04-20"', // the same as ours
      '[[kv_namespaces]]',
      'binding = "SECRETS"',
      'id = "regcred-local"',
      '[[durable_objects.bindings]]',
      'name = "OBJECTS"',
      'class_name = "SecretObject"',
      '[[migrations]]',
      'tag = "v1"',
      'new_sqlite_classes = ["SecretObject"]',
      '[assets]',
      `directory = ${JSON.stringify(assets)}`,
      'binding = "ASSETS"',
      'not_found_handling = "single-page-application"',
      'run_worker_first = ["/v2/*"]',
      '',
    ].join('\n'));
    return file;
  };
}
