//! Deleted secrets, kept for undelete until their retention ends.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::api::SecretStatus;

use crate::history::deleted_line;
use crate::pages::gate::RequireRole;
use crate::session::use_ctx;
use crate::{api, browser};

#[component]
pub fn Deleted() -> impl IntoView {
    browser::set_title("Deleted secrets");
    view! {
        <RequireRole needs=shared::Action::ReadHistory what="see deleted secrets">
            <h1>"Deleted secrets"</h1>
            <p class="hint">"A deleted secret is gone from lists and pulls, but kept for a while: undelete brings it back as it was."</p>
            <List/>
        </RequireRole>
    }
}

/// Undeletes `name`; what the page's notice then says.
pub async fn undelete_notice(token: &str, name: &str) -> String {
    match api::undelete(token, name).await {
        Ok(_) => format!("Undeleted \"{name}\"."),
        Err(e) => format!("Could not undelete \"{name}\": {}", e.message),
    }
}

#[component]
fn List() -> impl IntoView {
    let ctx = use_ctx();
    let reload = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    let list = LocalResource::new(move || {
        reload.track();
        let token = ctx.token();
        async move { api::deleted(&token).await }
    });
    let undelete = Callback::new(move |name: String| {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            notice.set(Some(undelete_notice(&token, &name).await));
            reload.update(|n| *n += 1);
        });
    });
    view! {
        {move || notice.get().map(|n| view! { <p class="flash" role="status" id="notice">{n}</p> })}
        <Suspense fallback=|| view! { <p class="pending" aria-busy="true">"Loading deleted secrets…"</p> }>
            {move || list.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">"Could not load the deleted secrets: " {e.message}</p> }.into_any(),
                Ok(l) if l.resources.is_empty() => view! { <p class="hint" id="no-deleted">"No deleted secret is kept."</p> }.into_any(),
                Ok(l) => view! {
                    <table id="deleted" class="cards">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Registries"</th><th scope="col">"Deleted"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                        <tbody>{l.resources.into_iter().map(|s| view! { <Row s=s undelete=undelete/> }).collect_view()}</tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
        <p><A href="/">"Back to the secrets"</A></p>
    }
}

#[component]
fn Row(s: SecretStatus, undelete: Callback<String>) -> impl IntoView {
    let ctx = use_ctx();
    let name = s.name.clone();
    let line = deleted_line(&s);
    view! {
        <tr>
            <td data-label="Name"><A href=format!("/secrets/{name}")>{s.name.clone()}</A></td>
            <td data-label="Registries">{s.registries.join(", ")}</td>
            <td data-label="Deleted">{line}</td>
            <td class="actions">
                <Show when=move || ctx.offers().undelete>
                    {let n = name.clone(); view! {
                        <button type="button" class="small" aria-label=format!("Undelete {n}")
                            on:click=move |_| undelete.run(n.clone())>"Undelete"</button>
                    }}
                </Show>
            </td>
        </tr>
    }
}
