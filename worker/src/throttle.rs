//! A fixed-window budget of failed authentications per client address, kept
//! in one isolate. The fetch handler uses Cloudflare's Rate Limiting binding
//! when `wrangler.toml` configures one and this otherwise; native tests use
//! this. Same rule as the binding: a key past its budget is refused until
//! the window turns.

use std::cell::RefCell;
use std::collections::HashMap;

/// Failed authentications an address may make per window.
pub const DEFAULT_FAILURES_PER_MINUTE: u32 = 20;

pub struct FailureBudget {
    limit: u32,
    period_ms: i64,
    /// The window's start and the failures counted in it.
    window: RefCell<(i64, HashMap<String, u32>)>,
}

impl FailureBudget {
    pub fn new(limit: u32, period_ms: i64) -> FailureBudget {
        FailureBudget {
            limit,
            period_ms: period_ms.max(1),
            window: RefCell::new((i64::MIN, HashMap::new())),
        }
    }

    pub fn per_minute(limit: u32) -> FailureBudget {
        FailureBudget::new(limit, 60_000)
    }

    /// Counts one failure of `key` at `now_ms`; false once the key has used
    /// its budget in this window (that failure is not counted).
    pub fn spend(&self, key: &str, now_ms: i64) -> bool {
        let start = now_ms - now_ms.rem_euclid(self.period_ms);
        let mut w = self.window.borrow_mut();
        if w.0 != start {
            *w = (start, HashMap::new());
        }
        let used = w.1.entry(key.to_owned()).or_insert(0);
        if *used >= self.limit {
            return false;
        }
        *used += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::FailureBudget;

    #[test]
    fn refuses_past_the_budget_until_the_window_turns() {
        let b = FailureBudget::per_minute(3);
        let t = 1_700_000_000_000 - 1_700_000_000_000 % 60_000;
        assert!((0..3).all(|i| b.spend("1.2.3.4", t + i)));
        assert!(!b.spend("1.2.3.4", t + 10));
        assert!(
            b.spend("5.6.7.8", t + 10),
            "another address has its own budget"
        );
        assert!(b.spend("1.2.3.4", t + 60_000), "a new window");
    }
}
