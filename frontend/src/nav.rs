//! The header's links and the window title, as plain data: which link is
//! the page the user is on, who sees it, and what the tab says.

use shared::Role;

use crate::roles::page_needs;

/// The decoder is its own small entry (`decode.html`), not a route of the
/// console: people open it alone, signed out.
pub const DECODER: &str = "/decode";

/// Whether `href` is served by its own entry, so a link there must load
/// the page instead of routing inside the console.
pub fn own_entry(href: &str) -> bool {
    href == DECODER
}

/// The header's links, in order: (href, label).
pub const LINKS: [(&str, &str); 8] = [
    ("/", "Secrets"),
    ("/secrets/new", "Create"),
    ("/import", "Import"),
    (DECODER, "Decoder"),
    ("/activity", "Activity"),
    ("/tokens", "Tokens"),
    ("/webhooks", "Webhooks"),
    ("/identities", "Identities"),
];

/// Whether the header offers `href` to a session with `role` (None: signed
/// out). Pages only some roles may use are linked only for them.
pub fn shown(href: &str, role: Option<Role>) -> bool {
    match page_needs(href) {
        Some(needs) => role.is_some_and(|r| r.allows(needs)),
        None => true,
    }
}

/// The href of the link that stands for `path`, if any. A secret's own
/// page and its edit page belong to the list; only `/secrets/new` is Create.
pub fn active(path: &str) -> Option<&'static str> {
    let path = match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    };
    match path {
        "/" | "" => Some("/"),
        "/secrets/new" => Some("/secrets/new"),
        p if p.starts_with("/secrets/") || p == "/deleted" => Some("/"),
        p => LINKS.iter().map(|(h, _)| *h).find(|h| *h == p),
    }
}

/// The window title for a page: the page first, so tabs tell apart.
pub fn title(page: &str) -> String {
    if page.is_empty() {
        "regcred".to_owned()
    } else {
        format!("{page} · regcred")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_link_per_page() {
        assert_eq!(active("/"), Some("/"));
        assert_eq!(active("/secrets/new"), Some("/secrets/new"));
        assert_eq!(active("/secrets/new/"), Some("/secrets/new"));
        assert_eq!(active("/secrets/hub-team"), Some("/"));
        assert_eq!(active("/secrets/hub-team/edit"), Some("/"));
        assert_eq!(active("/import"), Some("/import"));
        assert_eq!(active("/decode"), Some("/decode"));
        assert_eq!(active("/activity"), Some("/activity"));
        assert_eq!(active("/tokens"), Some("/tokens"));
        assert_eq!(active("/signin"), None);
        assert_eq!(active("/importer"), None);
    }

    #[test]
    fn role_pages_are_linked_for_their_roles_only() {
        let tokens = |r| shown("/tokens", r);
        assert!(tokens(Some(Role::Admin)));
        assert!(!tokens(Some(Role::Editor)) && !tokens(Some(Role::Viewer)) && !tokens(None));
        assert!(shown("/activity", Some(Role::Editor)) && shown("/activity", Some(Role::Admin)));
        assert!(!shown("/activity", Some(Role::Viewer)) && !shown("/activity", None));
        assert!(shown("/", None) && shown("/decode", Some(Role::Puller)));
        for href in ["/secrets/new", "/import"] {
            assert!(shown(href, Some(Role::Editor)) && shown(href, Some(Role::Admin)));
            assert!(!shown(href, Some(Role::Viewer)) && !shown(href, Some(Role::Puller)));
            assert!(!shown(href, None));
        }
    }

    #[test]
    fn titles_lead_with_the_page() {
        assert_eq!(title("Import"), "Import · regcred");
        assert_eq!(title(""), "regcred");
    }
}
