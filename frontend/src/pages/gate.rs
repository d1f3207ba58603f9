//! Wraps pages that need a session: shows a sign-in prompt otherwise.

use leptos::prelude::*;

use crate::session::use_ctx;

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
