// What the bench scripts share: percentiles and timed request loops.

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
