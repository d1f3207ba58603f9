//! When an issuer's key set is fetched again, as plain values so the rule
//! is tested natively with a clock the test moves (the edge holds one of
//! these per isolate, keyed by issuer, with WebCrypto keys in it):
//! - a `kid` the cached set lacks fetches the set again at most once a
//!   minute, not counting the first load (a rotation right after it is
//!   still seen);
//! - a set an hour old is fetched again on next use, so a key the issuer
//!   dropped stops working then; until that fetch succeeds the old set
//!   still serves.

use std::collections::HashMap;

/// A `kid` the cached set lacks fetches the set again at most this often.
pub const REFETCH_MS: f64 = 60_000.0;
/// A set this old is fetched again on next use.
pub const MAX_AGE_MS: f64 = 3_600_000.0;

/// One key of a set: its `kid`, its algorithm and the key itself.
pub type Key<K> = (String, &'static str, K);

struct IssuerKeys<K> {
    jwks_url: String,
    keys: Vec<Key<K>>,
    loaded_at: f64,
    refetched_at: f64,
}

/// What a token's `kid` gets from the cache at `now`.
#[derive(Debug, PartialEq)]
pub enum Lookup<K> {
    /// The cached key; nothing to fetch.
    Use(K, &'static str),
    /// Fetch the set, then look again; `fallback` serves if the fetch fails.
    Fetch { fallback: Option<(K, &'static str)> },
    /// Not in the set, which was fetched again less than a minute ago.
    Unknown,
}

/// The key sets of every issuer asked so far, by issuer.
pub struct KeySets<K> {
    issuers: HashMap<String, IssuerKeys<K>>,
}

impl<K> Default for KeySets<K> {
    fn default() -> Self {
        KeySets {
            issuers: HashMap::new(),
        }
    }
}

impl<K: Clone> KeySets<K> {
    pub fn lookup(&self, issuer: &str, kid: &str, now: f64) -> Lookup<K> {
        let Some(set) = self.issuers.get(issuer) else {
            return Lookup::Fetch { fallback: None };
        };
        let found = set
            .keys
            .iter()
            .find(|(k, _, _)| k == kid)
            .map(|(_, alg, key)| (key.clone(), *alg));
        let stale = now - set.loaded_at >= MAX_AGE_MS;
        match found {
            Some((key, alg)) if !stale => Lookup::Use(key, alg),
            Some(hit) => Lookup::Fetch {
                fallback: Some(hit),
            },
            None if stale || now - set.refetched_at >= REFETCH_MS => {
                Lookup::Fetch { fallback: None }
            }
            None => Lookup::Unknown,
        }
    }

    /// Where this issuer's set was found last time (discovery is skipped).
    pub fn jwks_url(&self, issuer: &str) -> Option<String> {
        self.issuers.get(issuer).map(|s| s.jwks_url.clone())
    }

    /// Marks a fetch begun, before it is made: an issuer that fails is not
    /// asked again at once. The first load does not count.
    pub fn begin_fetch(&mut self, issuer: &str, now: f64) {
        if let Some(set) = self.issuers.get_mut(issuer) {
            set.refetched_at = now;
        }
    }

    /// The set as fetched at `now` replaces the issuer's old one whole.
    pub fn store(&mut self, issuer: &str, jwks_url: String, keys: Vec<Key<K>>, now: f64) {
        let refetched_at = self
            .issuers
            .get(issuer)
            .map_or(f64::NEG_INFINITY, |s| s.refetched_at);
        self.issuers.insert(
            issuer.to_owned(),
            IssuerKeys {
                jwks_url,
                keys,
                loaded_at: now,
                refetched_at,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS: &str = "https://issuer.example";
    const MIN: f64 = 60_000.0;

    fn set(kids: &[&str]) -> Vec<Key<String>> {
        kids.iter()
            .map(|k| (k.to_string(), "RS256", format!("key {k}")))
            .collect()
    }

    fn fetched(sets: &mut KeySets<String>, kids: &[&str], now: f64) {
        sets.begin_fetch(ISS, now);
        sets.store(ISS, "https://issuer.example/jwks".into(), set(kids), now);
    }

    #[test]
    fn a_key_the_issuer_dropped_stops_working_at_the_hourly_refresh() {
        let mut sets = KeySets::default();
        assert_eq!(
            sets.lookup(ISS, "old", 0.0),
            Lookup::Fetch { fallback: None }
        );
        fetched(&mut sets, &["old", "new"], 0.0);
        // Within the hour the cached key serves and nothing is fetched,
        // though the issuer has dropped it meanwhile.
        assert_eq!(
            sets.lookup(ISS, "old", 59.0 * MIN),
            Lookup::Use("key old".into(), "RS256")
        );
        // An hour on, the next use fetches; the old key serves only if
        // that fetch fails.
        assert_eq!(
            sets.lookup(ISS, "old", 60.0 * MIN),
            Lookup::Fetch {
                fallback: Some(("key old".into(), "RS256"))
            }
        );
        fetched(&mut sets, &["new"], 60.0 * MIN);
        assert_eq!(sets.lookup(ISS, "old", 60.0 * MIN + 1.0), Lookup::Unknown);
        assert_eq!(
            sets.lookup(ISS, "new", 60.0 * MIN + 1.0),
            Lookup::Use("key new".into(), "RS256")
        );
    }

    #[test]
    fn an_unknown_kid_fetches_at_most_once_a_minute_after_the_first_load() {
        let mut sets = KeySets::default();
        fetched(&mut sets, &["a"], 0.0);
        // The first load does not count: a rotation right after is seen.
        assert_eq!(
            sets.lookup(ISS, "b", 1_000.0),
            Lookup::Fetch { fallback: None }
        );
        fetched(&mut sets, &["a"], 1_000.0);
        assert_eq!(sets.lookup(ISS, "b", 2_000.0), Lookup::Unknown);
        assert_eq!(sets.lookup(ISS, "b", 1_000.0 + MIN - 1.0), Lookup::Unknown);
        assert_eq!(
            sets.lookup(ISS, "b", 1_000.0 + MIN),
            Lookup::Fetch { fallback: None }
        );
        // A failed fetch counts too: the issuer is not asked again at once.
        sets.begin_fetch(ISS, 1_000.0 + MIN);
        assert_eq!(sets.lookup(ISS, "b", 2_000.0 + MIN), Lookup::Unknown);
        assert_eq!(
            sets.lookup(ISS, "a", 2_000.0 + MIN),
            Lookup::Use("key a".into(), "RS256")
        );
    }

    #[test]
    fn issuers_are_cached_apart() {
        let mut sets = KeySets::default();
        fetched(&mut sets, &["a"], 0.0);
        assert_eq!(
            sets.lookup("https://other.example", "a", 1.0),
            Lookup::Fetch { fallback: None }
        );
        assert_eq!(
            sets.jwks_url(ISS).as_deref(),
            Some("https://issuer.example/jwks")
        );
        assert_eq!(sets.jwks_url("https://other.example"), None);
    }
}
