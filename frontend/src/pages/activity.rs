//! The audit trail: who did what to which secret, newest first. Editors only.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::api::AuditEvent;

use crate::listing::short_time;
use crate::pages::gate::RequireSession;
use crate::session::use_ctx;
use crate::{api, browser};

#[component]
pub fn Activity() -> impl IntoView {
    browser::set_title("Activity");
    view! {
        <RequireSession>
            <h1>"Activity"</h1>
            <p class="hint">"Creates, edits, deletes, puller reads, login checks, failed sign-ins and refused attempts. No secret is ever recorded."</p>
            <Events secret=None/>
        </RequireSession>
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
                    <table id="activity">
                        <thead><tr><th scope="col">"Time"</th><th scope="col">"Who"</th><th scope="col">"Action"</th><th scope="col">"Secret"</th><th scope="col">"Outcome"</th></tr></thead>
                        <tbody>{list.resources.into_iter().map(row).collect_view()}</tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
    }
}

fn row(e: AuditEvent) -> impl IntoView {
    let class = if e.status < 400 { "ok" } else { "err" };
    view! {
        <tr>
            <td>{short_time(&e.time)}</td>
            <td>{e.actor}</td>
            <td>{e.action}</td>
            <td>{e.secret.map(|s| view! { <A href=format!("/secrets/{s}")>{s.clone()}</A> })}</td>
            <td class=class>{e.outcome}</td>
        </tr>
    }
}
