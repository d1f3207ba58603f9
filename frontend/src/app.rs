//! The console's shell: header, navigation, routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use crate::pages::{activity, decoder, detail, editor, import, secrets, signin};
use crate::session::{use_ctx, Ctx};

#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx::provide();
    view! {
        <Router>
            <header class="bar">
                <A href="/" attr:class="brand">"regcred"</A>
                <nav aria-label="Main">
                    <A href="/">"Secrets"</A>
                    <A href="/secrets/new">"Create"</A>
                    <A href="/import">"Import"</A>
                    <A href="/decode">"Decoder"</A>
                    <Show when=move || ctx.allows(shared::Action::ReadAudit)>
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
    view! {
        <div class="session">
            {move || match ctx.session.get() {
                Some(s) => view! {
                    <span id="whoami">{s.label.clone()} " · " <strong class="role">{s.role.as_str()}</strong></span>
                    <button type="button" id="signout" on:click=move |_| ctx.sign_out()>"Sign out"</button>
                }.into_any(),
                None => view! { <A href="/signin">"Sign in"</A> }.into_any(),
            }}
        </div>
    }
}
