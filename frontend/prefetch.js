// Starts the secrets list's first request while the console's wasm loads,
// so a tab that signed in before (its token in sessionStorage) opening the
// list waits for one round trip less. The console takes this answer only
// when it asks for this very URL with this token (frontend/src/prefetch.rs);
// anything else, and it asks itself. The URL is api::list_url(first
// window), which a test of api.rs checks against this file.
(() => {
  const token = sessionStorage.getItem('regcred.token');
  if (!token || location.pathname !== '/') return;
  const url = '/v2/admin/dockerRegistrySecrets?$top=100&$skip=0&$count=true';
  const answer = fetch(url, { headers: { authorization: `Bearer ${token}` } });
  // A refusal is the console's to report when it asks itself.
  answer.catch(() => {});
  window.__regcredPrefetch = { url, answer };
})();
