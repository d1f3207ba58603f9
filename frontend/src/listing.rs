//! The secrets list as plain data: filtering and paging.

use shared::api::SecretStatus;

pub const PAGE_SIZE: usize = 20;

/// Secrets whose name or a registry contains `query` (case-insensitive).
pub fn filter(items: &[SecretStatus], query: &str) -> Vec<SecretStatus> {
    let q = query.trim().to_lowercase();
    items
        .iter()
        .filter(|s| {
            q.is_empty()
                || s.name.contains(&q)
                || s.registries.iter().any(|r| r.to_lowercase().contains(&q))
        })
        .cloned()
        .collect()
}

pub fn page_count(len: usize) -> usize {
    len.div_ceil(PAGE_SIZE).max(1)
}

pub fn page(items: &[SecretStatus], index: usize) -> &[SecretStatus] {
    let start = (index * PAGE_SIZE).min(items.len());
    let end = (start + PAGE_SIZE).min(items.len());
    &items[start..end]
}

/// The list's expiry cell: the date, and a word when it needs attention.
pub fn expiry_label(s: &SecretStatus) -> (String, &'static str) {
    use shared::time::ExpiryState;
    match (&s.expires_at, s.expiry) {
        (None, _) => ("—".into(), ""),
        (Some(e), Some(ExpiryState::Expired)) => {
            (format!("{} · expired", short_time(e)), "badge err")
        }
        (Some(e), Some(ExpiryState::ExpiringSoon)) => (
            format!("{} · expires within 14 days", short_time(e)),
            "badge warn",
        ),
        (Some(e), _) => (short_time(e), ""),
    }
}

/// `2026-11-23T01:02:03.456Z` → `2026-11-23 01:02 UTC`.
pub fn short_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t} UTC"),
        _ => rfc3339.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str, reg: &str) -> SecretStatus {
        SecretStatus {
            name: name.into(),
            registries: vec![reg.into()],
            created_at: String::new(),
            modified_at: String::new(),
            expires_at: None,
            expiry: None,
        }
    }

    #[test]
    fn filters_by_name_or_registry() {
        let items = [s("team-a", "ghcr.io"), s("team-b", "Quay.io")];
        assert_eq!(filter(&items, "quay").len(), 1);
        assert_eq!(filter(&items, "TEAM").len(), 2);
        assert_eq!(filter(&items, "").len(), 2);
    }

    #[test]
    fn pages() {
        let items: Vec<_> = (0..45).map(|i| s(&format!("n{i}"), "r")).collect();
        assert_eq!(page_count(items.len()), 3);
        assert_eq!(page(&items, 2).len(), 5);
        assert_eq!(page(&items, 9).len(), 0);
        assert_eq!(page_count(0), 1);
    }

    #[test]
    fn expiry_labels() {
        let mut x = s("a", "r");
        assert_eq!(expiry_label(&x).0, "—");
        x.expires_at = Some("2026-11-01T00:00:00Z".into());
        x.expiry = Some(shared::time::ExpiryState::Expired);
        assert_eq!(
            expiry_label(&x),
            ("2026-11-01 00:00 UTC · expired".into(), "badge err")
        );
    }

    #[test]
    fn times_are_short() {
        assert_eq!(
            short_time("2026-11-23T01:02:03.456Z"),
            "2026-11-23 01:02 UTC"
        );
        assert_eq!(short_time(""), "");
    }
}
