//! The secrets list as plain data: where its rows come from, filtering
//! and paging.

use shared::api::{SecretList, SecretStatus};

pub const PAGE_SIZE: usize = 20;

/// A store up to this size is fetched in one request and filtered and paged
/// in the browser; a bigger one is paged by the API (`$top`/`$skip`), so
/// thousands of secrets never travel at once.
pub const WHOLE_MAX: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    /// Every stored secret.
    Whole(Vec<SecretStatus>),
    /// Page `index` of `total`, as the API served it.
    Paged {
        total: u64,
        index: usize,
        rows: Vec<SecretStatus>,
    },
}

/// `($top, $skip)` of the first request: enough for a whole small store.
pub fn first_window() -> (usize, usize) {
    (WHOLE_MAX, 0)
}

/// `($top, $skip)` of page `index` when the API pages.
pub fn page_window(index: usize) -> (usize, usize) {
    (PAGE_SIZE, index * PAGE_SIZE)
}

/// The first answer (`$count=true`): the whole store, or its first page.
pub fn from_first(list: SecretList) -> Rows {
    if list.count <= list.resources.len() as u64 {
        Rows::Whole(list.resources)
    } else {
        Rows::Paged {
            total: list.count,
            index: 0,
            rows: list.resources.into_iter().take(PAGE_SIZE).collect(),
        }
    }
}

/// What the table and the pager show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub rows: Vec<SecretStatus>,
    /// Zero-based page, and how many there are.
    pub page: usize,
    pub pages: usize,
    /// A line under the table: how many match, of how many.
    pub summary: String,
}

/// `local_page` pages a whole store; a paged one carries its own index.
pub fn shown(rows: &Rows, query: &str, local_page: usize) -> Shown {
    shown_with(rows, query, false, local_page)
}

/// `shown`, and with `attention` only the secrets that need it.
pub fn shown_with(rows: &Rows, query: &str, attention: bool, local_page: usize) -> Shown {
    let filter = |items: &[SecretStatus], q: &str| -> Vec<SecretStatus> {
        filter(items, q)
            .into_iter()
            .filter(|s| !attention || needs_attention(s))
            .collect()
    };
    match rows {
        Rows::Whole(all) => {
            let matching = filter(all, query);
            let pages = page_count(matching.len());
            let page_index = local_page.min(pages - 1);
            Shown {
                rows: page(&matching, page_index).to_vec(),
                page: page_index,
                pages,
                summary: format!("{} of {} shown", matching.len(), all.len()),
            }
        }
        Rows::Paged { total, index, rows } => {
            let first = index * PAGE_SIZE;
            Shown {
                rows: filter(rows, query),
                page: *index,
                pages: usize::try_from(*total).map_or(usize::MAX, page_count),
                summary: match rows.len() {
                    0 => format!("none of {total} on this page"),
                    n => format!("{}–{} of {total} shown", first + 1, first + n),
                },
            }
        }
    }
}

/// A secret whose last check failed, or that expires soon: what the
/// "Needs attention" filter keeps.
pub fn needs_attention(s: &SecretStatus) -> bool {
    s.health.as_ref().is_some_and(|h| {
        h.status.failing() || h.status == shared::health::HealthStatus::ExpiringSoon
    })
}

/// The health cell: what the last check found, in words, and its badge.
pub fn health_label(s: &SecretStatus) -> (String, &'static str) {
    use shared::health::HealthStatus as H;
    let Some(h) = &s.health else {
        return ("—".into(), "");
    };
    let word = match h.status {
        H::Ok => "OK",
        H::CredentialsRejected => "Credentials rejected",
        H::Unreachable => "Registry unreachable",
        H::NotARegistry => "Not a registry",
        H::Unexpected => "Unexpected answer",
        H::NotAllowed => "Not allowed",
        H::TlsFailed => "TLS failed",
        H::ExpiringSoon => "Expires soon",
        H::Expired => "Expired",
        H::MintFailed => "Mint failed",
        H::Unchecked => "Not checked yet",
    };
    let class = match h.status {
        H::Ok => "badge ok",
        H::ExpiringSoon => "badge warn",
        H::Unchecked => "badge",
        _ => "badge err",
    };
    let text = match &h.failing_since {
        Some(since) => format!("{word} since {}", short_time(since)),
        None => word.to_owned(),
    };
    (text, class)
}

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

/// What a brokered secret's source says: which cloud mints it, and when
/// the current credential runs out (or that none was minted yet).
pub fn source_label(s: &SecretStatus) -> Option<String> {
    let src = s.source.as_ref()?;
    let when = match &src.minted_until {
        Some(t) => format!("current credential runs out {}", short_time(t)),
        None => "minted at the next pull".to_owned(),
    };
    Some(format!("minted by {}: {when}", src.kind.provider()))
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

    /// Built from the wire form, as the console gets it.
    fn s(name: &str, reg: &str) -> SecretStatus {
        serde_json::from_value(serde_json::json!({"name": name, "registries": [reg],
            "createdAt": "", "modifiedAt": ""}))
        .unwrap()
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

    fn list(count: u64, n: usize) -> SecretList {
        SecretList {
            count,
            resources: (0..n).map(|i| s(&format!("n{i:03}"), "r")).collect(),
        }
    }

    #[test]
    fn a_small_store_is_fetched_whole_and_paged_here() {
        assert_eq!(first_window(), (WHOLE_MAX, 0));
        let rows = from_first(list(45, 45));
        assert!(matches!(&rows, Rows::Whole(all) if all.len() == 45));
        let v = shown(&rows, "", 2);
        assert_eq!((v.rows.len(), v.page, v.pages), (5, 2, 3));
        assert_eq!(v.summary, "45 of 45 shown");
        let v = shown(&rows, "n04", 2);
        assert_eq!((v.rows.len(), v.page, v.pages), (5, 0, 1));
    }

    #[test]
    fn a_big_store_is_paged_by_the_api() {
        let rows = from_first(list(3000, WHOLE_MAX));
        let Rows::Paged {
            total,
            index,
            rows: first,
        } = &rows
        else {
            panic!("{rows:?}");
        };
        assert_eq!((*total, *index, first.len()), (3000, 0, PAGE_SIZE));
        assert_eq!(page_window(3), (PAGE_SIZE, 60));
        let page3 = Rows::Paged {
            total: 3000,
            index: 3,
            rows: list(3000, PAGE_SIZE).resources,
        };
        let v = shown(&page3, "", 0);
        assert_eq!((v.rows.len(), v.page, v.pages), (PAGE_SIZE, 3, 150));
        assert_eq!(v.summary, "61–80 of 3000 shown");
        assert_eq!(shown(&page3, "n001", 0).rows.len(), 1);
    }

    #[test]
    fn health_reads_as_words_and_needs_attention_when_failing_or_expiring() {
        let mut x = s("w", "r");
        assert!(!needs_attention(&x));
        x.health = serde_json::from_value(serde_json::json!({"status": "credentialsRejected",
            "checkedAt": "2026-12-06T00:00:00Z", "failingSince": "2026-12-05T00:00:00Z", "message": "m"}))
        .ok();
        assert!(needs_attention(&x));
        assert_eq!(
            health_label(&x),
            (
                "Credentials rejected since 2026-12-05 00:00 UTC".into(),
                "badge err"
            )
        );
        let ok = s("o", "r");
        let rows = Rows::Whole(vec![x.clone(), ok]);
        assert_eq!(shown_with(&rows, "", true, 0).rows, vec![x]);
        assert_eq!(shown_with(&rows, "", false, 0).rows.len(), 2);
    }

    #[test]
    fn a_brokered_secret_says_who_mints_it_and_when_it_runs_out() {
        let mut x = s("ecr", "123456789012.dkr.ecr.us-east-1.amazonaws.com");
        assert_eq!(source_label(&x), None);
        x.source = serde_json::from_value(serde_json::json!({"type": "awsEcr",
            "registry": "123456789012.dkr.ecr.us-east-1.amazonaws.com"}))
        .ok();
        assert_eq!(
            source_label(&x).as_deref(),
            Some("minted by Amazon ECR: minted at the next pull")
        );
        if let Some(src) = x.source.as_mut() {
            src.minted_until = Some("2026-11-23T12:00:00Z".into());
        }
        assert!(source_label(&x)
            .unwrap()
            .contains("runs out 2026-11-23 12:00 UTC"));
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
