//! The console's shell: header, navigation, routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;
use shared::api::SignIn;

use crate::pages::widgets::HeaderLinks;
use crate::pages::{
    activity, deleted, detail, editor, identities, import, secrets, signin, tokens, webhooks,
};
use crate::session::{use_ctx, Ctx};
use crate::{browser, nav};

#[component]
pub fn App() -> impl IntoView {
    Ctx::provide();
    view! {
        <Router>
            <header class="bar">
                <a href="/" class="brand">"regcred"</a>
                <NavLinks/>
                <SessionBadge/>
            </header>
            <main>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=secrets::Secrets/>
                    <Route path=path!("/signin") view=signin::SignIn/>
                    <Route path=path!("/secrets/new") view=editor::Create/>
                    <Route path=path!("/deleted") view=deleted::Deleted/>
                    <Route path=path!("/secrets/:name") view=detail::Detail/>
                    <Route path=path!("/secrets/:name/edit") view=editor::Edit/>
                    <Route path=path!("/import") view=import::Import/>
                    <Route path=path!("/activity") view=activity::Activity/>
                    <Route path=path!("/tokens") view=tokens::Tokens/>
                    <Route path=path!("/webhooks") view=webhooks::Webhooks/>
                    <Route path=path!("/identities") view=identities::Identities/>
                </Routes>
            </main>
        </Router>
    }
}

/// The header's links, for the session's role and the routed page.
#[component]
fn NavLinks() -> impl IntoView {
    let ctx = use_ctx();
    let location = use_location();
    let role = move || ctx.session.with(|s| s.as_ref().map(|s| s.role));
    let current = move || location.pathname.with(|p| nav::active(p));
    view! { <HeaderLinks role current/> }
}

#[component]
fn SessionBadge() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <div class="session">
            {move || match ctx.session.get() {
                Some(s) => view! {
                    <span id="whoami" title=signed_in_via(s.via)>{s.label.clone()} " · " <strong class="role">{s.role.as_str()}</strong></span>
                    {s.scope.map(|scope| view! {
                        <span id="session-scope" class="scope" title="This session sees only the secrets whose names match these patterns.">
                            "scope: " {scope.to_string()}
                        </span>
                    })}
                    {(s.via == SignIn::Access).then(|| view! { <span class="badge" id="signed-in-via">"Cloudflare Access"</span> })}
                    <button type="button" id="signout" on:click=move |_| ctx.sign_out()>"Sign out"</button>
                }.into_any(),
                None => view! { <a href="/signin">"Sign in"</a> }.into_any(),
            }}
        </div>
    }
}

fn signed_in_via(via: SignIn) -> &'static str {
    match via {
        SignIn::EnvironmentToken => "Signed in with a token from the worker's settings",
        SignIn::ManagedToken => "Signed in with an API token",
        SignIn::Access => "Signed in by Cloudflare Access",
        SignIn::WorkloadIdentity => "Signed in with a workload's own identity (OIDC)",
    }
}

#[component]
fn NotFound() -> impl IntoView {
    browser::set_title("Not found");
    view! { <h1>"Not found"</h1><p>"There is no such page. " <a href="/">"Go to the secrets list"</a></p> }
}
