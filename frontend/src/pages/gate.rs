//! Pages that need a session show the sign-in form in their place until
//! there is one, so the token goes in where the user landed; pages that
//! need a role say so instead of showing a form the API would refuse, and a
//! puller, which reads no secrets here, is told what its token is for.

use leptos::prelude::*;
use shared::Action;

use crate::pages::puller::PullerHome;
use crate::pages::signin::SignInForm;
use crate::roles::not_for_role;
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

/// A page for sessions whose role allows `needs`. `what` finishes "Only
/// editor or admin tokens …" for the others; `id` names that card.
#[component]
pub fn RequireRole(
    needs: Action,
    what: &'static str,
    #[prop(optional)] id: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let ctx = use_ctx();
    let children = StoredValue::new(children);
    let id = if id.is_empty() { "not-for-role" } else { id };
    view! {
        <RequireSession>
            <Show when=move || ctx.allows(needs) fallback=move || view! { <NotForRole needs what id/> }>
                {children.with_value(|c| c())}
            </Show>
        </RequireSession>
    }
}

#[component]
fn NotForRole(needs: Action, what: &'static str, id: &'static str) -> impl IntoView {
    let ctx = use_ctx();
    move || {
        if ctx.pulls_only() {
            return view! { <PullerHome/> }.into_any();
        }
        let why = ctx
            .session
            .get()
            .map(|s| not_for_role(what, needs, &s.label, s.role));
        view! {
            <section class="card narrow" id=id>
                <h1>"Not for your role"</h1>
                <p role="alert">{why}</p>
                <p><a href="/">"Go to the secrets list"</a></p>
            </section>
        }
        .into_any()
    }
}
