//! `REGCRED_ACCESS_ROLES`: the grammar that maps Access identities (an
//! email, `*@domain`, `*`) to roles and scopes, first match wins.

use crate::roles::Role;
use crate::scope::Scope;

/// Who an entry of `REGCRED_ACCESS_ROLES` names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Who {
    /// One identity (an email, or a service token's Client ID), lowercase.
    Exact(String),
    /// `*@domain`: every email at that domain (not its subdomains), lowercase.
    Domain(String),
    /// `*`: everyone Access lets through.
    Anyone,
}

impl Who {
    fn matches(&self, identity: &str) -> bool {
        match self {
            Who::Exact(e) => identity.eq_ignore_ascii_case(e),
            Who::Domain(d) => identity
                .rsplit_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.eq_ignore_ascii_case(d)),
            Who::Anyone => true,
        }
    }
}

/// `REGCRED_ACCESS_ROLES`: identities (or `*@domain` patterns) to roles and
/// scopes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccessRoles {
    entries: Vec<(Who, Role, Option<Scope>)>,
}

fn identity_char(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !matches!(c, ',' | ':' | '*' | '|')
}

impl AccessRoles {
    /// Parses `identity:role[:scope]` entries separated by commas, e.g.
    /// `alice@example.com:admin,bob@example.com:editor:team-a-*|ci,*@example.com:viewer`.
    ///
    /// - identity: an email (or an Access service token's Client ID, which
    ///   its tokens carry instead), compared without regard to case;
    ///   `*@domain` for every email at exactly that domain; `*` for anyone
    ///   Access lets in.
    /// - role: viewer, editor, puller or admin.
    /// - scope (optional): secret-name patterns separated by `|`, as for
    ///   tokens; an admin entry takes none.
    ///
    /// The first entry that matches, in written order, decides: put exact
    /// identities before the patterns that would also match them.
    pub fn parse(spec: &str) -> Result<AccessRoles, String> {
        let mut entries = Vec::new();
        for (i, part) in spec
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            let n = i + 1;
            let mut fields = part.splitn(3, ':').map(str::trim);
            let (Some(who), Some(role)) = (fields.next(), fields.next()) else {
                return Err(format!(
                    "REGCRED_ACCESS_ROLES entry {n} is not identity:role[:scope] (e.g. alice@example.com:editor or *@example.com:viewer)"
                ));
            };
            let who =
                parse_who(who).map_err(|why| format!("REGCRED_ACCESS_ROLES entry {n}: {why}"))?;
            let role = Role::parse(role).ok_or_else(|| {
                format!("REGCRED_ACCESS_ROLES entry {n}: the role must be viewer, editor, puller or admin")
            })?;
            let scope = match fields.next() {
                None => None,
                Some(s) => Some(Scope::parse_bars(s).map_err(|e| {
                    format!("REGCRED_ACCESS_ROLES entry {n}: {e} (separate patterns with |)")
                })?),
            };
            if role == Role::Admin && scope.is_some() {
                return Err(format!(
                    "REGCRED_ACCESS_ROLES entry {n}: an admin manages every token, so it cannot be limited to a scope; drop the scope or give another role"
                ));
            }
            entries.push((who, role, scope));
        }
        if entries.is_empty() {
            return Err(
                "REGCRED_ACCESS_ROLES holds no entry; set it to identity:role entries such as alice@example.com:admin,*@example.com:viewer".into(),
            );
        }
        Ok(AccessRoles { entries })
    }

    /// The role and scope `email` gets: the first entry that names it.
    pub fn grant(&self, email: &str) -> Option<(Role, Option<Scope>)> {
        self.entries
            .iter()
            .find(|(who, _, _)| who.matches(email))
            .map(|(_, role, scope)| (*role, scope.clone()))
    }
}

fn parse_who(text: &str) -> Result<Who, String> {
    let how = "write an email, *@domain or *";
    if text == "*" {
        return Ok(Who::Anyone);
    }
    if text.is_empty() {
        return Err(format!("the identity is empty; {how}"));
    }
    if let Some(domain) = text.strip_prefix("*@") {
        if domain.is_empty() || !domain.chars().all(identity_char) || domain.contains('@') {
            return Err(format!("\"{text}\" is not *@domain; {how}"));
        }
        return Ok(Who::Domain(domain.to_ascii_lowercase()));
    }
    if !text.chars().all(identity_char) {
        return Err(format!(
            "\"{text}\" has a character an identity cannot hold (space, *, |); {how}"
        ));
    }
    if let Some((local, domain)) = text.rsplit_once('@') {
        if local.is_empty() || domain.is_empty() {
            return Err(format!("\"{text}\" is not an email; {how}"));
        }
    }
    Ok(Who::Exact(text.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_map_identities_first_match_wins() {
        let roles = AccessRoles::parse(
            "alice@example.com:admin, bob@example.com:editor:team-a-*|ci, *@example.com:viewer, svc.access:puller",
        )
        .unwrap();
        assert_eq!(roles.grant("alice@example.com"), Some((Role::Admin, None)));
        assert_eq!(roles.grant("Alice@Example.COM"), Some((Role::Admin, None)));
        let scope = Scope::parse_bars("team-a-*|ci").unwrap();
        assert_eq!(
            roles.grant("bob@example.com"),
            Some((Role::Editor, Some(scope)))
        );
        assert_eq!(roles.grant("carol@example.com"), Some((Role::Viewer, None)));
        assert_eq!(roles.grant("carol@EXAMPLE.com"), Some((Role::Viewer, None)));
        assert_eq!(roles.grant("carol@sub.example.com"), None);
        assert_eq!(roles.grant("carol@example.com.evil.org"), None);
        assert_eq!(roles.grant("@example.com"), None);
        assert_eq!(roles.grant("carol@other.org"), None);
        assert_eq!(roles.grant("SVC.access"), Some((Role::Puller, None)));
        // written order decides, even when a pattern comes first
        let roles = AccessRoles::parse("*@example.com:viewer,alice@example.com:admin").unwrap();
        assert_eq!(roles.grant("alice@example.com"), Some((Role::Viewer, None)));
        let roles = AccessRoles::parse("alice@example.com:admin,*:viewer:public-*").unwrap();
        assert_eq!(
            roles.grant("anyone@anywhere.org"),
            Some((Role::Viewer, Some(Scope::parse_bars("public-*").unwrap())))
        );
    }

    #[test]
    fn bad_roles_settings_say_which_entry_and_how_to_fix() {
        let err = |spec: &str| AccessRoles::parse(spec).unwrap_err();
        assert!(err("").contains("holds no entry"));
        assert!(err(" , ").contains("holds no entry"));
        let e = err("alice@example.com:admin,bob@example.com");
        assert!(e.contains("entry 2") && e.contains("identity:role"), "{e}");
        let e = err("alice@example.com:root");
        assert!(
            e.contains("entry 1") && e.contains("viewer, editor, puller or admin"),
            "{e}"
        );
        let e = err("a@x.org:viewer,alice@example.com:admin:team-*");
        assert!(
            e.contains("entry 2") && e.contains("admin") && e.contains("scope"),
            "{e}"
        );
        let e = err("bob@example.com:editor:Team-A");
        assert!(e.contains("entry 1") && e.contains("\"Team-A\""), "{e}");
        let e = err("bob@example.com:editor:");
        assert!(e.contains("entry 1") && e.contains("empty"), "{e}");
        for who in [
            "*@",
            "*@a@b",
            "al ice@example.com",
            "a*@example.com",
            "@example.com",
            "alice@",
            ":viewer",
            "**",
        ] {
            let e = err(&format!("{who}:viewer"));
            assert!(
                e.contains("entry 1") && e.contains("*@domain"),
                "{who}: {e}"
            );
        }
    }
}
