//! Who may do what. Each API token, and each Access identity that
//! `REGCRED_ACCESS_ROLES` names, carries exactly one role; `Role::allows` is
//! the one table, and every role may ask who it is (`Action::Session`).

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Lists secrets and reads their metadata, the quota and their history
    /// (versions, deleted secrets); never credentials.
    Viewer,
    /// Viewer, plus create, modify, delete, restore a version, undelete,
    /// the registry login checks and the audit trail.
    Editor,
    /// Only pulls: a secret's `.dockerconfigjson` by name, the credentials
    /// for a registry, the registries it may pull. Nothing else, not even a
    /// list.
    Puller,
    /// Editor, plus managed API tokens, the encryption keys and rewrap,
    /// purge, backup and restore. Not a puller: it never reads credentials.
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    List,
    Read,
    Create,
    Modify,
    Delete,
    ReadQuota,
    Pull,
    /// Who am I: any valid token may ask.
    Session,
    /// Log in to a registry with a secret's (or given) credentials.
    CheckLogin,
    /// Read the audit trail.
    ReadAudit,
    /// Managed API tokens (`/v2/admin/tokens`).
    ListTokens,
    CreateToken,
    RevokeToken,
    /// The encryption keys and what each seals; rewrapping under the first.
    ReadKeys,
    Rewrap,
    /// A secret's kept versions; deleted secrets.
    ReadHistory,
    /// A new version made from a kept one.
    RestoreVersion,
    /// A deleted secret brought back.
    Undelete,
    /// Kept versions and deleted secrets dropped for good.
    Purge,
    /// The whole store, sealed (`GET /v2/admin/backup`), and its restore.
    Backup,
    Restore,
    /// Webhook receivers: add, list, remove, test, their deliveries.
    ManageWebhooks,
    /// Workload identity trust rules: add, list, remove.
    ManageIdentities,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Editor, Role::Puller, Role::Admin];

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "editor" => Some(Role::Editor),
            "puller" => Some(Role::Puller),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Puller => "puller",
            Role::Admin => "admin",
        }
    }

    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        if action == Session {
            return true;
        }
        match self {
            Role::Viewer => matches!(action, List | Read | ReadQuota | ReadHistory),
            Role::Editor => matches!(
                action,
                List | Read
                    | ReadQuota
                    | ReadHistory
                    | Create
                    | Modify
                    | Delete
                    | RestoreVersion
                    | Undelete
                    | CheckLogin
                    | ReadAudit
            ),
            Role::Puller => matches!(action, Pull),
            Role::Admin => {
                matches!(
                    action,
                    ListTokens
                        | CreateToken
                        | RevokeToken
                        | ReadKeys
                        | Rewrap
                        | Purge
                        | Backup
                        | Restore
                        | ManageWebhooks
                        | ManageIdentities
                ) || Role::Editor.allows(action)
            }
        }
    }

    /// The roles that may do `action`, for error messages.
    pub fn allowed_for(action: Action) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| r.allows(action)).collect()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions() {
        assert!(Role::Viewer.allows(Action::List) && !Role::Viewer.allows(Action::Create));
        assert!(Role::Editor.allows(Action::Delete) && !Role::Editor.allows(Action::Pull));
        assert!(Role::Puller.allows(Action::Pull) && !Role::Puller.allows(Action::Read));
        assert_eq!(Role::allowed_for(Action::Pull), vec![Role::Puller]);
        assert_eq!(Role::parse("editor"), Some(Role::Editor));
        assert_eq!(Role::parse("admin"), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
        assert!(Role::Admin.allows(Action::CreateToken) && Role::Admin.allows(Action::Delete));
        assert!(!Role::Admin.allows(Action::Pull) && !Role::Editor.allows(Action::RevokeToken));
        assert_eq!(
            Role::allowed_for(Action::Create),
            vec![Role::Editor, Role::Admin]
        );
    }
}
