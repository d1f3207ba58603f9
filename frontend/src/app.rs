//! The console's shell: session, navigation, routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;
use shared::{DockerConfig, Role, SecretName};

use crate::pages::{activity, decoder, detail, editor, import, secrets, signin};
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
    pub fn token(&self) -> String {
        self.session
            .get_untracked()
            .map(|s| s.token)
            .unwrap_or_default()
    }

    pub fn can_write(&self) -> bool {
        self.session
            .get()
            .is_some_and(|s| s.role.allows(shared::Action::Create))
    }
}

pub fn use_ctx() -> Ctx {
    expect_context::<Ctx>()
}

#[component]
pub fn App() -> impl IntoView {
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
                Ok(s) => ctx.session.set(Some(Session {
                    token,
                    label: s.label,
                    role: s.role,
                })),
                Err(_) => browser::forget_token(),
            }
            ctx.restoring.set(false);
        });
    }
    view! {
        <Router>
            <header class="bar">
                <A href="/" attr:class="brand">"regcred"</A>
                <nav aria-label="Main">
                    <A href="/">"Secrets"</A>
                    <A href="/secrets/new">"Create"</A>
                    <A href="/import">"Import"</A>
                    <A href="/decode">"Decoder"</A>
                    <Show when=move || ctx.session.get().is_some_and(|s| s.role.allows(shared::Action::ReadAudit))>
                        <A href="/activity">"Activity"</A>
                    </Show>
                </nav>
                <SessionBadge/>
            </header>
            <main>
                <Routes fallback=|| view! { <h1>"Not found"</h1><p>"There is no such page. " <a href="/">"Go to the secrets list"</a></p> }>
                    <Route path=path!("/") view=secrets::Secrets/>
                    <Route path=path!("/signin") view=signin::SignIn/>
                    <Route path=path!("/secrets/new") view=editor::Create/>
                    <Route path=path!("/secrets/:name") view=detail::Detail/>
                    <Route path=path!("/secrets/:name/edit") view=editor::Edit/>
                    <Route path=path!("/import") view=import::Import/>
                    <Route path=path!("/decode") view=decoder::Decoder/>
                    <Route path=path!("/activity") view=activity::Activity/>
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn SessionBadge() -> impl IntoView {
    let ctx = use_ctx();
    let sign_out = move |_| {
        browser::forget_token();
        ctx.session.set(None);
        ctx.flash.set(None);
    };
    view! {
        <div class="session">
            {move || match ctx.session.get() {
                Some(s) => view! {
                    <span id="whoami">{s.label.clone()} " · " <strong class="role">{s.role.as_str()}</strong></span>
                    <button type="button" id="signout" on:click=sign_out>"Sign out"</button>
                }.into_any(),
                None => view! { <A href="/signin">"Sign in"</A> }.into_any(),
            }}
        </div>
    }
}

/// Wraps pages that need a session: shows a sign-in prompt otherwise.
#[component]
pub fn RequireSession(children: ChildrenFn) -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <Show
            when=move || ctx.session.get().is_some()
            fallback=move || view! {
                <Show when=move || !ctx.restoring.get() fallback=|| view! { <p class="pending">"Checking your session…"</p> }>
                    <section class="signin-needed">
                        <h1>"Sign in to manage secrets"</h1>
                        <p>"Paste an API token to list, create, edit and delete pull secrets. The "
                           <a href="/decode">"decoder"</a> " works without signing in."</p>
                        <a class="button" href="/signin">"Sign in"</a>
                    </section>
                </Show>
            }
        >
            {children()}
        </Show>
    }
}
