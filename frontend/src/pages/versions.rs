//! A secret's kept versions, with restore. A restore makes a new version
//! from an old one (nothing is overwritten), but every row looks alike, so
//! it asks first and says what would change (usernames, registries, expiry,
//! when each was written); right after it, "Test login" checks the
//! restored credentials.

use leptos::prelude::*;

use crate::api;
use crate::history::{rows, RestorePlan, VersionRow};
use crate::pages::widgets::LoginResults;
use crate::session::use_ctx;

/// `changed` is bumped by the page when the secret changed elsewhere
/// (deleted, undeleted), so the table follows.
#[component]
pub fn Versions(name: String, on_restored: Callback<()>, changed: RwSignal<u32>) -> impl IntoView {
    let ctx = use_ctx();
    let reload = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    // Set by a successful restore: offer the login test of what it restored.
    let restored = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let confirm = RwSignal::new(None::<u64>);
    let n = name.clone();
    let versions = LocalResource::new(move || {
        reload.track();
        changed.track();
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
                    restored.set(true);
                    on_restored.run(());
                }
                Err(e) => {
                    restored.set(false);
                    notice.set(Some(format!(
                        "Could not restore version {version}: {}",
                        e.message
                    )));
                }
            }
            confirm.set(None);
            busy.set(false);
            reload.update(|n| *n += 1);
        });
    });
    view! {
        <h2>"Versions"</h2>
        <p class="hint">"Every change keeps the version it replaces. Restoring one makes a new version with its credentials and expiry; none is overwritten."</p>
        {move || notice.get().map(|n| view! {
            <div class="flash" role="status" id="versions-notice">
                <p>{n}</p>
                <Show when=move || restored.get() && ctx.offers().check_login>
                    <RestoredCheck/>
                </Show>
            </div>
        })}
        <Suspense fallback=|| view! { <p class="pending" aria-busy="true">"Loading versions…"</p> }>
            {move || versions.get().map(|r| match r {
                // No such secret: the page above says so already.
                Err(e) if e.status == 404 => ().into_any(),
                Err(e) => view! { <p class="error" role="alert">"Could not load the versions: " {e.message}</p> }.into_any(),
                Ok(list) => {
                    let current = list.resources.iter().find(|v| v.current).cloned();
                    let infos = list.resources.clone();
                    view! {
                        <table id="versions" class="cards" aria-busy=move || busy.get().to_string()>
                            <thead><tr><th scope="col">"Version"</th><th scope="col">"Written"</th><th scope="col">"By"</th><th scope="col">"Registries"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                            <tbody>{rows(&list.resources).into_iter().zip(infos).map(|(r, info)| {
                                let plan = current.as_ref().filter(|_| r.restorable).map(|c| RestorePlan::new(c, &info));
                                view! { <Row r=r plan=plan restore=restore busy=busy confirm=confirm/> }
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// "Test login" for the credentials a restore just made current.
#[component]
fn RestoredCheck() -> impl IntoView {
    let ctx = use_ctx();
    let params = leptos_router::hooks::use_params_map();
    let check = RwSignal::new(None);
    let checking = RwSignal::new(false);
    let run = move |_| {
        let name = params.read_untracked().get("name").unwrap_or_default();
        let token = ctx.token();
        checking.set(true);
        leptos::task::spawn_local(async move {
            check.set(Some(api::check_stored(&token, &name).await));
            checking.set(false);
        });
    };
    view! {
        <p class="hint">"Check that the restored credentials still log in:"</p>
        <button type="button" id="restored-test-login" disabled=move || checking.get() on:click=run>
            {move || if checking.get() { "Testing the login…" } else { "Test login" }}
        </button>
        {move || view! { <LoginResults result=check.get()/> }}
    }
}

#[component]
fn Row(
    r: VersionRow,
    plan: Option<RestorePlan>,
    restore: Callback<u64>,
    busy: RwSignal<bool>,
    confirm: RwSignal<Option<u64>>,
) -> impl IntoView {
    let ctx = use_ctx();
    let version = r.version;
    let asking = move || confirm.get() == Some(version);
    let can = plan.is_some();
    let question = plan.map(|plan| {
        move || {
            asking().then(|| {
                let same = plan.same_note();
                view! {
                    <tr class="confirm-row">
                        <td colspan="5">
                            <div class="confirm restore-confirm" role="alertdialog" aria-label=format!("Confirm restore of version {version}")>
                                <p><strong>{format!("Restore version {version} as the new current version?")}</strong> " " {plan.when.clone()}</p>
                                {same.map(|s| view! { <p class="hint">{s}</p> })}
                                {(!plan.changes.is_empty()).then(|| view! {
                                    <dl class="changes">
                                        {plan.changes.iter().map(|c| view! {
                                            <dt>{c.what}</dt>
                                            <dd>{c.now.clone()} " → " <strong>{c.restored.clone()}</strong></dd>
                                        }).collect_view()}
                                    </dl>
                                })}
                                <button type="button" id="restore-confirmed" disabled=move || busy.get()
                                    on:click=move |_| restore.run(version)>"Restore"</button>
                                <button type="button" class="small" on:click=move |_| confirm.set(None)>"Cancel"</button>
                            </div>
                        </td>
                    </tr>
                }
            })
        }
    });
    view! {
        <tr>
            <td data-label="Version">{r.label}</td>
            <td data-label="Written">{r.written}</td>
            <td data-label="By">{r.by}</td>
            <td data-label="Registries">{r.registries}</td>
            <td class="actions">
                <Show when=move || can && ctx.offers().restore>
                    <button type="button" class="small" disabled=move || busy.get()
                        aria-label=format!("Restore version {version}")
                        on:click=move |_| confirm.set(Some(version))>"Restore"</button>
                </Show>
            </td>
        </tr>
        {question}
    }
}
