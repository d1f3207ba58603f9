//! The audit trail: who did what to which secret, newest first. Editors only.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::api::AuditEvent;

use crate::audit::{subject, Subject};
use crate::listing::short_time;
use crate::pages::gate::RequireRole;
use crate::session::use_ctx;
use crate::{api, browser};

#[component]
pub fn Activity() -> impl IntoView {
    browser::set_title("Activity");
    view! {
        <RequireRole needs=shared::Action::ReadAudit what="read the activity">
            <h1>"Activity"</h1>
            <p class="hint">"Creates, edits, deletes, puller reads, login checks, failed sign-ins and refused attempts. No secret is ever recorded."</p>
            <Events secret=None/>
        </RequireRole>
    }
}

/// A table of events; all of them, or those about one secret.
#[component]
pub fn Events(secret: Option<String>) -> impl IntoView {
    let ctx = use_ctx();
    let events = LocalResource::new(move || {
        let token = ctx.token();
        let secret = secret.clone();
        async move { api::audit(&token, secret.as_deref()).await }
    });
    view! {
        <Suspense fallback=|| view! { <p class="pending" aria-busy="true">"Loading activity…"</p> }>
            {move || events.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">"Could not load the activity: " {e.message}</p> }.into_any(),
                Ok(list) if list.resources.is_empty() => view! { <p class="hint">"Nothing recorded yet."</p> }.into_any(),
                Ok(list) => view! {
                    <table id="activity" class="cards">
                        <thead><tr><th scope="col">"Time"</th><th scope="col">"Who"</th><th scope="col">"Action"</th><th scope="col">"Secret or token"</th><th scope="col">"Outcome"</th></tr></thead>
                        <tbody>{list.resources.into_iter().map(row).collect_view()}</tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
    }
}

fn row(e: AuditEvent) -> impl IntoView {
    let class = if e.status < 400 { "ok" } else { "err" };
    let about = match subject(&e) {
        Subject::Secret(s) => view! { <A href=format!("/secrets/{s}")>{s.clone()}</A> }.into_any(),
        // The id `regcred token revoke` takes, as the Tokens page lists it.
        Subject::Token(id) => {
            view! { <span class="token-ref">"token " <code>{id}</code></span> }.into_any()
        }
        Subject::Nothing => ().into_any(),
    };
    view! {
        <tr>
            <td data-label="Time" class="time">{short_time(&e.time)}</td>
            <td data-label="Who">{e.actor}</td>
            <td data-label="Action">{e.action}</td>
            <td data-label="About">{about}</td>
            <td data-label="Outcome" class=class>{e.outcome}</td>
        </tr>
    }
}
