//! A secret's kept versions, with restore: a restore makes a new version
//! from an old one (nothing is overwritten), so it needs no confirmation.

use leptos::prelude::*;

use crate::api;
use crate::history::{rows, VersionRow};
use crate::session::use_ctx;

#[component]
pub fn Versions(name: String, on_restored: Callback<()>) -> impl IntoView {
    let ctx = use_ctx();
    let reload = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let n = name.clone();
    let versions = LocalResource::new(move || {
        reload.track();
        let token = ctx.token();
        let name = n.clone();
        async move { api::versions(&token, &name).await }
    });
    let restore = Callback::new(move |version: u64| {
        let token = ctx.token();
        let name = name.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::restore_version(&token, &name, version).await {
                Ok(r) => {
                    notice.set(Some(format!("{}.", r.message)));
                    on_restored.run(());
                }
                Err(e) => notice.set(Some(format!(
                    "Could not restore version {version}: {}",
                    e.message
                ))),
            }
            busy.set(false);
            reload.update(|n| *n += 1);
        });
    });
    view! {
        <h2>"Versions"</h2>
        <p class="hint">"Every change keeps the version it replaces. Restoring one makes a new version with its credentials and expiry; none is overwritten."</p>
        {move || notice.get().map(|n| view! { <p class="flash" role="status" id="versions-notice">{n}</p> })}
        <Suspense fallback=|| view! { <p class="pending" aria-busy="true">"Loading versions…"</p> }>
            {move || versions.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">"Could not load the versions: " {e.message}</p> }.into_any(),
                Ok(list) => view! {
                    <table id="versions" aria-busy=move || busy.get().to_string()>
                        <thead><tr><th scope="col">"Version"</th><th scope="col">"Written"</th><th scope="col">"By"</th><th scope="col">"Registries"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                        <tbody>{rows(&list.resources).into_iter().map(|r| view! { <Row r=r restore=restore busy=busy/> }).collect_view()}</tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Row(r: VersionRow, restore: Callback<u64>, busy: RwSignal<bool>) -> impl IntoView {
    let ctx = use_ctx();
    let version = r.version;
    view! {
        <tr>
            <td>{r.label}</td>
            <td>{r.written}</td>
            <td>{r.by}</td>
            <td>{r.registries}</td>
            <td class="actions">
                <Show when=move || r.restorable && ctx.can_write()>
                    <button type="button" class="small" disabled=move || busy.get()
                        aria-label=format!("Restore version {version}")
                        on:click=move |_| restore.run(version)>"Restore"</button>
                </Show>
            </td>
        </tr>
    }
}
