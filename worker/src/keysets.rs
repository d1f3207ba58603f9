//! When a signer's key set is fetched again, as plain values so the rules
//! run natively with a clock the test moves. One set per source: Access's
//! team certs, and each workload identity issuer. The edge keeps them per
//! isolate with WebCrypto keys in them (`edge::signer_keys`).
//! - A `kid` the set lacks fetches it again at most once a minute; the
//!   first load does not count, so a rotation right after it is seen.
//! - Without a usable set (the first fetch, or it failed) a fetch is tried
//!   again after seconds.
//! - A set an hour old is fetched again on next use, so a key the signer
//!   dropped stops working then; until a fetch succeeds the old set serves.
//! - While one request fetches, the others wait for it instead of asking
//!   too (a burst of tokens with a new `kid` is one fetch, not refusals).

use std::collections::HashMap;

/// A `kid` the cached set lacks fetches the set again at most this often.
pub const REFETCH_MS: f64 = 60_000.0;
/// Without a usable set (the first fetch, or the last one failed), this often.
pub const RETRY_MS: f64 = 5_000.0;
/// A set this old is fetched again on next use.
pub const MAX_AGE_MS: f64 = 3_600_000.0;
/// How long a request waits for another one's fetch (the outbound fetch
/// gives up after 10 s).
pub const WAIT_MAX_MS: f64 = 11_000.0;

/// What a verification does next about its key.
#[derive(Debug, PartialEq)]
pub enum Step<K> {
    Use(K),
    /// Another request of the isolate is fetching the set: look again soon.
    Wait,
    /// Fetch the set, then call `loaded` and look again.
    Load,
    Refuse(&'static str),
}

/// One source's keys by `kid`, and when to ask for them again. Times are
/// epoch ms.
struct KeyCache<K> {
    keys: Vec<(String, K)>,
    loaded_at: Option<f64>,
    loading_since: Option<f64>,
    /// The last fetch started without a usable set.
    tried_at: f64,
    /// The last fetch started for an unknown `kid`.
    refetched_at: f64,
}

impl<K: Clone> KeyCache<K> {
    fn new() -> Self {
        KeyCache {
            keys: Vec::new(),
            loaded_at: None,
            loading_since: None,
            tried_at: f64::NEG_INFINITY,
            refetched_at: f64::NEG_INFINITY,
        }
    }

    fn step(&mut self, kid: &str, now: f64) -> Step<K> {
        let fresh = self.loaded_at.is_some_and(|at| now - at < MAX_AGE_MS);
        let found = self
            .keys
            .iter()
            .find(|(k, _)| k == kid)
            .map(|(_, key)| key.clone());
        let loading = self
            .loading_since
            .is_some_and(|since| now - since < WAIT_MAX_MS);
        match found {
            Some(key) if fresh || loading => return Step::Use(key),
            None if loading => return Step::Wait,
            _ => {}
        }
        let may_fetch = if fresh {
            now - self.refetched_at >= REFETCH_MS
        } else {
            now - self.tried_at >= RETRY_MS
        };
        if may_fetch {
            if fresh {
                self.refetched_at = now;
            } else {
                self.tried_at = now;
            }
            self.loading_since = Some(now);
            return Step::Load;
        }
        match found {
            // An old set while fetching is not allowed yet: still good.
            Some(key) => Step::Use(key),
            None if fresh => Step::Refuse(
                "the token names a key (kid) the signer's key set does not hold; it is fetched again at most once a minute",
            ),
            None => Step::Refuse("the signer's keys could not be fetched; asked again within seconds"),
        }
    }
}

/// The key sets of every source asked so far, by source (a URL or an
/// issuer).
pub struct KeySets<K> {
    sources: HashMap<String, KeyCache<K>>,
}

impl<K> Default for KeySets<K> {
    fn default() -> Self {
        KeySets {
            sources: HashMap::new(),
        }
    }
}

impl<K: Clone> KeySets<K> {
    pub fn step(&mut self, source: &str, kid: &str, now: f64) -> Step<K> {
        self.sources
            .entry(source.to_owned())
            .or_insert_with(KeyCache::new)
            .step(kid, now)
    }
}

impl<K> KeySets<K> {
    /// A fetch of `source` ended: `keys` replace its set when it succeeded.
    pub fn loaded(&mut self, source: &str, keys: Option<Vec<(String, K)>>, now: f64) {
        if let Some(cache) = self.sources.get_mut(source) {
            cache.loading_since = None;
            if let Some(keys) = keys {
                cache.keys = keys;
                cache.loaded_at = Some(now);
            }
        }
    }

    /// The fetching request went away: the others stop waiting for it.
    pub fn abandoned(&mut self, source: &str) {
        if let Some(cache) = self.sources.get_mut(source) {
            cache.loading_since = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://team.cloudflareaccess.com/cdn-cgi/access/certs";
    const T: f64 = 1_700_000_000_000.0;
    const MIN: f64 = 60_000.0;

    fn set(kids: &[&str]) -> Option<Vec<(String, u32)>> {
        Some(
            kids.iter()
                .enumerate()
                .map(|(i, k)| ((*k).to_owned(), i as u32))
                .collect(),
        )
    }

    #[test]
    fn known_keys_are_used_without_fetching() {
        let mut c = KeySets::default();
        assert_eq!(c.step(URL, "k1", T), Step::Load);
        c.loaded(URL, set(&["k1", "k2"]), T + 5.0);
        for i in 0..100 {
            assert_eq!(c.step(URL, "k2", T + 10.0 + f64::from(i)), Step::Use(1));
        }
    }

    #[test]
    fn a_key_the_signer_dropped_stops_working_at_the_hourly_refresh() {
        let mut c = KeySets::default();
        assert_eq!(c.step(URL, "old", T), Step::Load);
        c.loaded(URL, set(&["old", "new"]), T);
        // Within the hour the cached key serves and nothing is fetched,
        // though the signer has dropped it meanwhile.
        assert_eq!(c.step(URL, "old", T + 59.0 * MIN), Step::Use(0));
        // An hour on, the next use fetches; the old key serves while it
        // runs (and after it, if it fails).
        assert_eq!(c.step(URL, "old", T + 60.0 * MIN), Step::Load);
        assert_eq!(c.step(URL, "old", T + 60.0 * MIN + 1.0), Step::Use(0));
        c.loaded(URL, set(&["new"]), T + 60.0 * MIN + 2.0);
        // Gone from the new set: asked for once more, then refused.
        assert_eq!(c.step(URL, "old", T + 60.0 * MIN + 3.0), Step::Load);
        c.loaded(URL, set(&["new"]), T + 60.0 * MIN + 4.0);
        assert!(matches!(
            c.step(URL, "old", T + 60.0 * MIN + 5.0),
            Step::Refuse(_)
        ));
        assert_eq!(c.step(URL, "new", T + 60.0 * MIN + 5.0), Step::Use(0));
    }

    #[test]
    fn an_unknown_kid_fetches_again_at_most_once_a_minute() {
        let mut c = KeySets::default();
        assert_eq!(c.step(URL, "k1", T), Step::Load);
        c.loaded(URL, set(&["k1"]), T);
        // soon after the first fetch, a new kid still asks again once
        assert_eq!(c.step(URL, "new", T + 1_000.0), Step::Load);
        c.loaded(URL, set(&["k1"]), T + 1_100.0);
        assert!(matches!(c.step(URL, "new", T + 2_000.0), Step::Refuse(_)));
        assert!(matches!(
            c.step(URL, "other", T + 60_000.0),
            Step::Refuse(_)
        ));
        assert_eq!(c.step(URL, "k1", T + 60_000.0), Step::Use(0));
        assert_eq!(c.step(URL, "new", T + 61_000.0), Step::Load);
        c.loaded(URL, set(&["k1", "new"]), T + 61_100.0);
        assert_eq!(c.step(URL, "new", T + 61_200.0), Step::Use(1));
    }

    #[test]
    fn others_wait_for_the_fetch_under_way() {
        let mut c = KeySets::default();
        assert_eq!(c.step(URL, "k1", T), Step::Load);
        assert_eq!(c.step(URL, "k1", T + 1.0), Step::Wait);
        assert_eq!(c.step(URL, "k9", T + 2.0), Step::Wait);
        c.loaded(URL, set(&["k1"]), T + 50.0);
        assert_eq!(c.step(URL, "k1", T + 60.0), Step::Use(0));
        // a kid the first answer lacks asks once more, then not for a minute
        assert_eq!(c.step(URL, "k9", T + 60.0), Step::Load);
        assert_eq!(c.step(URL, "k9", T + 61.0), Step::Wait);
        c.loaded(URL, set(&["k1"]), T + 70.0);
        assert!(matches!(c.step(URL, "k9", T + 80.0), Step::Refuse(_)));
        // a fetch that never reported (its request was dropped) stops counting
        let mut c = KeySets::<u32>::default();
        assert_eq!(c.step(URL, "k1", T), Step::Load);
        assert_eq!(c.step(URL, "k1", T + WAIT_MAX_MS + 1.0), Step::Load);
        c.abandoned(URL);
        assert!(matches!(
            c.step(URL, "k1", T + WAIT_MAX_MS + 2.0),
            Step::Refuse(_)
        ));
    }

    #[test]
    fn a_failed_fetch_is_retried_after_seconds_and_an_old_set_serves() {
        let mut c = KeySets::<u32>::default();
        assert_eq!(c.step(URL, "k1", T), Step::Load);
        c.loaded(URL, None, T + 10.0);
        assert!(matches!(c.step(URL, "k1", T + 1_000.0), Step::Refuse(_)));
        assert_eq!(c.step(URL, "k1", T + RETRY_MS), Step::Load);
        c.loaded(URL, set(&["k1"]), T + RETRY_MS);
        // an hour later the set is fetched again; a failure keeps the old one
        let later = T + RETRY_MS + MAX_AGE_MS;
        assert_eq!(c.step(URL, "k1", later), Step::Load);
        assert_eq!(c.step(URL, "k1", later + 1.0), Step::Use(0));
        c.loaded(URL, None, later + 10.0);
        assert_eq!(c.step(URL, "k1", later + 20.0), Step::Use(0));
        assert_eq!(c.step(URL, "k1", later + RETRY_MS), Step::Load);
        c.loaded(URL, set(&["k2"]), later + RETRY_MS);
        assert!(matches!(
            c.step(URL, "k1", later + RETRY_MS + 1.0),
            Step::Load
        ));
    }

    #[test]
    fn sources_are_cached_apart() {
        let mut c = KeySets::default();
        assert_eq!(c.step(URL, "k1", T), Step::Load);
        c.loaded(URL, set(&["k1"]), T);
        let other = "https://issuer.example";
        assert_eq!(c.step(other, "k1", T + 1.0), Step::Load);
        // an answer for one source never fills another
        c.loaded(URL, set(&["k1"]), T + 2.0);
        assert_eq!(c.step(other, "k1", T + 3.0), Step::Wait);
        assert_eq!(c.step(URL, "k1", T + 3.0), Step::Use(0));
    }
}
