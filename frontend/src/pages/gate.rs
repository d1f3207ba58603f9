//! Pages that need a session show the sign-in form in their place until
//! there is one, so the token goes in where the user landed.

use leptos::prelude::*;

use crate::pages::signin::SignInForm;
use crate::session::use_ctx;

#[component]
pub fn RequireSession(children: ChildrenFn) -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <Show
            when=move || ctx.session.get().is_some()
            fallback=move || view! {
                <Show when=move || !ctx.restoring.get() fallback=|| view! { <p class="pending">"Checking your session…"</p> }>
                    <section class="card narrow signin-needed" id="signin-needed">
                        <h1>"Sign in to manage secrets"</h1>
                        <p>"regcred keeps Docker registry pull secrets: list, create, edit and delete them once you are signed in. The "
                           <a href="/decode" rel="external">"decoder"</a> " works without signing in."</p>
                        <SignInForm/>
                    </section>
                </Show>
            }
        >
            {children()}
        </Show>
    }
}
