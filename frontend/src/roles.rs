//! What the console offers a session, by its role: which buttons and pages
//! it shows. Who may do what is `shared`'s `Role::allows`; this only says
//! which action each button and page stands for, so a viewer is never shown
//! a form it can only be refused on, and a puller, which cannot list, is
//! told what its token is for instead of "could not load".

use shared::{Action, Role};

/// The buttons and pages a session is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offers {
    /// The list, a secret's page and its versions.
    pub read: bool,
    /// Create and Import.
    pub create: bool,
    pub edit: bool,
    pub delete: bool,
    pub restore: bool,
    pub undelete: bool,
    pub check_login: bool,
    pub activity: bool,
    pub tokens: bool,
}

impl Offers {
    /// None: signed out, offered nothing.
    pub fn of(role: Option<Role>) -> Offers {
        let Some(role) = role else {
            return Offers::default();
        };
        let may = |a| role.allows(a);
        Offers {
            read: may(Action::List) && may(Action::Read),
            create: may(Action::Create),
            edit: may(Action::Modify),
            delete: may(Action::Delete),
            restore: may(Action::RestoreVersion),
            undelete: may(Action::Undelete),
            check_login: may(Action::CheckLogin),
            activity: may(Action::ReadAudit),
            tokens: may(Action::ListTokens),
        }
    }

    /// A token that only pulls: its pages explain what it is for.
    pub fn pulls_only(role: Option<Role>) -> bool {
        role.is_some_and(|r| r.allows(Action::Pull) && !r.allows(Action::List))
    }
}

/// What a page needs beyond a session, by the header link's href; None:
/// any session (or none: the decoder).
pub fn page_needs(href: &str) -> Option<Action> {
    match href {
        "/secrets/new" | "/import" => Some(Action::Create),
        "/activity" => Some(Action::ReadAudit),
        "/tokens" => Some(Action::ListTokens),
        "/webhooks" => Some(Action::ManageWebhooks),
        "/identities" => Some(Action::ManageIdentities),
        _ => None,
    }
}

/// A sentence for a page the role may not use: who is signed in, and what
/// to ask for.
pub fn not_for_role(what: &str, needs: Action, label: &str, role: Role) -> String {
    let roles: Vec<&str> = Role::allowed_for(needs)
        .into_iter()
        .map(Role::as_str)
        .collect();
    format!(
        "Only {} tokens {what}. You are signed in as {label} with the {} role: ask an admin for such a token, or sign out and sign in with one.",
        roles.join(" or "),
        role.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_viewer_is_offered_reading_only() {
        let v = Offers::of(Some(Role::Viewer));
        assert!(v.read);
        assert_eq!(
            Offers { read: true, ..v },
            Offers {
                read: true,
                ..Offers::default()
            }
        );
    }

    #[test]
    fn editors_write_and_admins_also_manage_tokens() {
        let e = Offers::of(Some(Role::Editor));
        assert!(e.create && e.edit && e.delete && e.restore && e.undelete);
        assert!(e.check_login && e.activity && !e.tokens);
        assert_eq!(Offers::of(Some(Role::Admin)), Offers { tokens: true, ..e });
    }

    #[test]
    fn a_puller_reads_nothing_here_and_is_told_so() {
        assert_eq!(Offers::of(Some(Role::Puller)), Offers::default());
        assert!(Offers::pulls_only(Some(Role::Puller)));
        for r in [Role::Viewer, Role::Editor, Role::Admin] {
            assert!(!Offers::pulls_only(Some(r)), "{r:?}");
        }
        assert!(!Offers::pulls_only(None));
        assert_eq!(Offers::of(None), Offers::default());
    }

    #[test]
    fn pages_name_what_they_need() {
        assert_eq!(page_needs("/import"), Some(Action::Create));
        assert_eq!(page_needs("/secrets/new"), Some(Action::Create));
        assert_eq!(page_needs("/tokens"), Some(Action::ListTokens));
        assert_eq!(page_needs("/"), None);
        assert_eq!(page_needs("/decode"), None);
    }

    #[test]
    fn refusals_say_who_and_what_to_ask_for() {
        let s = not_for_role("create secrets", Action::Create, "ci-view", Role::Viewer);
        assert!(
            s.starts_with("Only editor or admin tokens create secrets."),
            "{s}"
        );
        assert!(s.contains("ci-view with the viewer role"), "{s}");
    }
}
