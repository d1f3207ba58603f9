//! Who is signed in, and what one page hands the next. Pages and the shell
//! both read this; it knows nothing of either, so imports only point down.

use leptos::prelude::*;
use shared::api::{SessionResponse, SignIn};
use shared::{Action, DockerConfig, Role, Scope, SecretName};

use crate::roles::Offers;
use crate::{api, browser};

/// A signed-in caller. `token` is empty when Cloudflare Access vouches for
/// the browser: the edge adds its assertion to every request, so there is
/// nothing to send or keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token: String,
    pub label: String,
    pub role: Role,
    /// The secret-name patterns the session is limited to; None: every secret.
    pub scope: Option<Scope>,
    pub via: SignIn,
}

/// A message for the next page, and credentials the browser still holds
/// right after a create or edit (so credential forms can be offered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub message: String,
    pub held: Option<(SecretName, DockerConfig)>,
}

/// The session this tab saved beside its token, if it reads as one.
pub fn remembered() -> Option<SessionResponse> {
    serde_json::from_slice(browser::saved_session()?.as_bytes()).ok()
}

#[derive(Clone, Copy)]
pub struct Ctx {
    pub session: RwSignal<Option<Session>>,
    pub flash: RwSignal<Option<Flash>>,
    /// True while the session is being found at start-up.
    pub restoring: RwSignal<bool>,
    /// Set when a Cloudflare Access session was signed out of here: Access
    /// still vouches for the browser, so the page says how to end that
    /// instead of offering a token field.
    pub access_ended: RwSignal<bool>,
    /// Why the edge's identity was refused (a 403: Access knows the user,
    /// regcred gives them no role), to show above the token field.
    pub edge_refused: RwSignal<Option<String>>,
}

impl Ctx {
    /// Provides a fresh context and finds the session: the token this tab
    /// saved, else whatever the edge vouches for (Cloudflare Access).
    pub fn provide() -> Ctx {
        let ctx = Ctx {
            session: RwSignal::new(None),
            flash: RwSignal::new(None),
            restoring: RwSignal::new(true),
            access_ended: RwSignal::new(false),
            edge_refused: RwSignal::new(None),
        };
        provide_context(ctx);
        // A tab that signed in before knows who it is: it shows the page at
        // once and checks the token beside the page's first request, not
        // before it (a refused token then signs out).
        if let (Some(token), Some(known)) = (browser::saved_token(), remembered()) {
            ctx.sign_in(token.clone(), known.clone());
            ctx.restoring.set(false);
            leptos::task::spawn_local(async move {
                match api::session(&token).await {
                    Ok(s) if s != known => ctx.sign_in(token, s),
                    Ok(_) => {}
                    Err(e) if e.status == 401 => ctx.sign_out(),
                    Err(_) => {}
                }
            });
            return ctx;
        }
        leptos::task::spawn_local(async move {
            if let Some(token) = browser::saved_token() {
                match api::session(&token).await {
                    Ok(s) => {
                        ctx.sign_in(token, s);
                        ctx.restoring.set(false);
                        return;
                    }
                    Err(_) => browser::forget_token(),
                }
            }
            // No saved session: only Cloudflare Access in front can sign the
            // browser in by itself; anywhere else `/v2/session` without a
            // token is a 401 the browser would log on every load.
            if api::edge_signs_in().await {
                ctx.ask_edge().await;
            }
            ctx.restoring.set(false);
        });
        ctx
    }

    /// Asks `/v2/session` without a token, once. Behind Cloudflare Access
    /// the edge's assertion signs the browser in; anywhere else it is a
    /// 401 and the sign-in form stays; a 403 says why Access's identity
    /// has no role.
    pub async fn ask_edge(&self) -> bool {
        match api::session("").await {
            Ok(s) => {
                self.access_ended.set(false);
                self.sign_in(String::new(), s);
                true
            }
            Err(e) => {
                if e.status == 403 {
                    self.edge_refused.set(Some(e.message));
                }
                false
            }
        }
    }

    pub fn sign_in(&self, token: String, s: SessionResponse) {
        self.edge_refused.set(None);
        if !token.is_empty() {
            browser::save_session(&serde_json::to_string(&s).unwrap_or_default());
        }
        self.session.set(Some(Session {
            token,
            label: s.label,
            role: s.role,
            scope: s.scope,
            via: s.via,
        }));
    }

    pub fn sign_out(&self) {
        let via = self.session.get_untracked().map(|s| s.via);
        browser::forget_token();
        self.session.set(None);
        self.flash.set(None);
        self.access_ended.set(via == Some(SignIn::Access));
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

    /// The buttons and pages this session is offered (reactive).
    pub fn offers(&self) -> Offers {
        Offers::of(self.session.with(|s| s.as_ref().map(|s| s.role)))
    }

    /// Whether the session is a puller's, which reads no secrets here.
    pub fn pulls_only(&self) -> bool {
        Offers::pulls_only(self.session.with(|s| s.as_ref().map(|s| s.role)))
    }
}

pub fn use_ctx() -> Ctx {
    expect_context::<Ctx>()
}
