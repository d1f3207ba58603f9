//! Sign in with an API token. The token lives in sessionStorage only.
//! The form is what every page needing a session shows when there is none,
//! so a new user pastes the token where they land.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::session::use_ctx;
use crate::{api, browser};

/// The `/signin` page: the form, then the secrets list.
#[component]
pub fn SignIn() -> impl IntoView {
    browser::set_title("Sign in");
    view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <SignInForm go_home=true/>
        </section>
    }
}

/// The token field, or after signing out of a Cloudflare Access session,
/// how to end that one (Access would sign the browser straight back in).
#[component]
pub fn SignInForm(#[prop(optional)] go_home: bool) -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <Show when=move || ctx.access_ended.get() fallback=move || view! { <TokenForm go_home=go_home/> }>
            <AccessEnded/>
        </Show>
    }
}

#[component]
fn AccessEnded() -> impl IntoView {
    let ctx = use_ctx();
    let busy = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let again = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            failed.set(!ctx.ask_edge().await);
            busy.set(false);
        });
    };
    view! {
        <div id="access-ended" role="status">
            <p>"You are signed out of the console. You had signed in through Cloudflare Access, which still vouches for this browser: to end that session too, "
               <a href="/cdn-cgi/access/logout">"sign out of Cloudflare Access"</a> " or close this page."</p>
            <button type="button" id="access-again" disabled=move || busy.get() on:click=again>"Sign in again with Cloudflare Access"</button>
            <Show when=move || failed.get()>
                <p class="field-error" role="alert">"Cloudflare Access did not vouch for this browser any more; reload the page to sign in to Access again."</p>
            </Show>
        </div>
    }
}

/// With `go_home` it opens the list once signed in; without, the page it
/// sits on shows what the session unlocked.
#[component]
fn TokenForm(go_home: bool) -> impl IntoView {
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
                    if go_home {
                        navigate("/", Default::default());
                    }
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
        {move || ctx.edge_refused.get().map(|m| view! {
            <p class="error" role="alert" id="edge-refused">"Cloudflare Access signed you in, but regcred refused that identity: " {m}</p>
        })}
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
    }
}
