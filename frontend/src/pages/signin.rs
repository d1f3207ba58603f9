//! Sign in with an API token. The token lives in sessionStorage only.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::session::use_ctx;
use crate::{api, browser};

#[component]
pub fn SignIn() -> impl IntoView {
    let ctx = use_ctx();
    let token = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = token.get_untracked().trim().to_owned();
        if t.is_empty() {
            error.set(Some("Paste an API token first.".into()));
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::session(&t).await {
                Ok(s) => {
                    browser::save_token(&t);
                    ctx.sign_in(t, s);
                    token.set(String::new());
                    error.set(None);
                    navigate("/", Default::default());
                }
                Err(e) if e.status == 401 => error.set(Some(
                    "This token is not valid: the API does not know it. Check that you copied it whole.".into(),
                )),
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <p>"Paste an API token (from "<code>"cargo xtask dev"</code>" locally, or from your administrator). It is kept in this tab's session storage only and cleared when you sign out or close the tab."</p>
            <form on:submit=submit>
                <label for="token">"API token"</label>
                <input id="token" type="password" autocomplete="off" spellcheck="false"
                    aria-describedby="token-error"
                    prop:value=move || token.get()
                    on:input=move |ev| token.set(event_target_value(&ev))/>
                <p id="token-error" class="field-error" role="alert">{move || error.get()}</p>
                <button type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Checking…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}
