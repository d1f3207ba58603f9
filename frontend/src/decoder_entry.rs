//! The decoder's own entry (`decode.html`): the console's header and the
//! decoder page, and nothing else. No router, no API client, no session
//! check: it never sends anything, so it cannot ask who is signed in; the
//! header reads who this tab signed in as from sessionStorage instead.
//! Its links are ordinary page loads into the console.

use leptos::prelude::*;

use crate::pages::decoder::Decoder;
use crate::pages::widgets::HeaderLinks;
use crate::{browser, nav, session};

#[component]
pub fn DecoderEntry() -> impl IntoView {
    // Who this tab signed in as, if it did: label and role, no credential.
    let known = RwSignal::new(browser::saved_token().and(session::remembered()));
    let role = move || known.with(|k| k.as_ref().map(|k| k.role));
    let sign_out = move |_| {
        browser::forget_token();
        known.set(None);
    };
    view! {
        <header class="bar">
            <a href="/" class="brand">"regcred"</a>
            <HeaderLinks role current=|| Some(nav::DECODER)/>
            <div class="session">
                {move || match known.get() {
                    Some(k) => view! {
                        <span id="whoami">{k.label} " · " <strong class="role">{k.role.as_str()}</strong></span>
                        <button type="button" id="signout" on:click=sign_out>"Sign out"</button>
                    }.into_any(),
                    None => view! { <a href="/signin">"Sign in"</a> }.into_any(),
                }}
            </div>
        </header>
        <main><Decoder/></main>
    }
}
