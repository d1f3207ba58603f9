//! Who is signed in, and what one page hands the next. Pages and the shell
//! both read this; it knows nothing of either, so imports only point down.

use leptos::prelude::*;
use shared::{Action, DockerConfig, Role, SecretName};

use crate::{api, browser};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token: String,
    pub label: String,
    pub role: Role,
}

/// A message for the next page, and credentials the browser still holds
/// right after a create or edit (so credential forms can be offered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub message: String,
    pub held: Option<(SecretName, DockerConfig)>,
}

#[derive(Clone, Copy)]
pub struct Ctx {
    pub session: RwSignal<Option<Session>>,
    pub flash: RwSignal<Option<Flash>>,
    /// True while a saved token is being checked at start-up.
    pub restoring: RwSignal<bool>,
}

impl Ctx {
    /// Provides a fresh context and, if this tab saved a token, checks it.
    pub fn provide() -> Ctx {
        let ctx = Ctx {
            session: RwSignal::new(None),
            flash: RwSignal::new(None),
            restoring: RwSignal::new(false),
        };
        provide_context(ctx);
        if let Some(token) = browser::saved_token() {
            ctx.restoring.set(true);
            leptos::task::spawn_local(async move {
                match api::session(&token).await {
                    Ok(s) => ctx.sign_in(token, s),
                    Err(_) => browser::forget_token(),
                }
                ctx.restoring.set(false);
            });
        }
        ctx
    }

    pub fn sign_in(&self, token: String, s: shared::api::SessionResponse) {
        self.session.set(Some(Session {
            token,
            label: s.label,
            role: s.role,
        }));
    }

    pub fn sign_out(&self) {
        browser::forget_token();
        self.session.set(None);
        self.flash.set(None);
    }

    pub fn token(&self) -> String {
        self.session
            .get_untracked()
            .map(|s| s.token)
            .unwrap_or_default()
    }

    pub fn allows(&self, action: Action) -> bool {
        self.session.get().is_some_and(|s| s.role.allows(action))
    }

    pub fn can_write(&self) -> bool {
        self.allows(Action::Create)
    }
}

pub fn use_ctx() -> Ctx {
    expect_context::<Ctx>()
}
