//! One secret: its metadata, "Use it" snippets that need no credentials,
//! Delete (after a confirmation) and its versions. A deleted secret's page
//! is no dead end: it says when it was deleted and offers Undelete.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::{forms, Action, Registry, SecretName};

use crate::history::{deleted_line, usernames};
use crate::listing::short_time;
use crate::pages::deleted::undelete_notice;
use crate::pages::gate::RequireRole;
use crate::pages::widgets::{route_secret, LoginResults, Snippet};
use crate::session::use_ctx;
use crate::{api, browser};

#[component]
pub fn Detail() -> impl IntoView {
    let params = use_params_map();
    Effect::new(move || browser::set_title(&params.read().get("name").unwrap_or_default()));
    view! { <RequireRole needs=Action::Read what="read secrets"><Loaded/></RequireRole> }
}

/// The secret's last checks (scheduled or by hand), newest first.
#[component]
fn CheckHistory(name: String, changed: RwSignal<u32>) -> impl IntoView {
    let ctx = use_ctx();
    let checks = RwSignal::new(None::<Result<shared::api::CheckList, api::CallError>>);
    Effect::new(move || {
        changed.track();
        let (token, name) = (ctx.token(), name.clone());
        leptos::task::spawn_local(async move {
            checks.set(Some(api::checks(&token, &name).await));
        });
    });
    view! {
        <h2>"Checks"</h2>
        {move || match checks.get() {
            None => view! { <p class="pending" aria-busy="true">"Loading the checks…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
            Some(Ok(list)) if list.resources.is_empty() => view! {
                <p id="no-checks" class="hint">"Not checked yet: the next scheduled run checks it, or Test login now."</p>
            }.into_any(),
            Some(Ok(list)) => view! {
                <ul class="login-results" id="checks">
                    {list.resources.into_iter().map(|c| {
                        let class = if c.status.failing() { "err" } else { "ok" };
                        let word = serde_json::to_value(c.status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                        view! { <li class=class><strong>{word}</strong>" — "{short_time(&c.checked_at)}": "{c.message}</li> }
                    }).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}

#[component]
fn Loaded() -> impl IntoView {
    let ctx = use_ctx();
    let params = use_params_map();
    let status = route_secret();
    let check = RwSignal::new(None);
    let checking = RwSignal::new(false);
    // Bumped on delete and undelete, so the versions follow.
    let changed = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    let asking = RwSignal::new(false);
    let name = move || params.read_untracked().get("name").unwrap_or_default();
    let test_login = move |_| {
        let name = name();
        let token = ctx.token();
        checking.set(true);
        leptos::task::spawn_local(async move {
            check.set(Some(api::check_stored(&token, &name).await));
            checking.set(false);
            // The check is the secret's health now: show it, and its history.
            status.refetch();
            changed.update(|n| *n += 1);
        });
    };
    let after_change = move |message: String| {
        notice.set(Some(message));
        asking.set(false);
        check.set(None);
        status.refetch();
        changed.update(|n| *n += 1);
    };
    let delete = move |_| {
        let name = name();
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            match api::delete(&token, &name).await {
                Ok(_) => after_change(format!("Deleted \"{name}\".")),
                Err(e) => notice.set(Some(format!("Could not delete \"{name}\": {}", e.message))),
            }
        });
    };
    let undelete = Callback::new(move |name: String| {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            after_change(undelete_notice(&token, &name).await);
        });
    });
    view! {
        {move || notice.get().map(|n| view! { <p class="flash" role="status" id="notice">{n}</p> })}
        <Suspense fallback=|| view! { <p class="pending" aria-busy="true">"Loading…"</p> }>
            {move || status.get().map(|r| match r {
                Err(e) if e.status == 404 => view! { <Gone name=name() message=e.message undelete=undelete/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                Ok(s) => {
                    let Ok(name) = SecretName::parse(&s.name) else {
                        return view! { <p class="error">"The API returned an invalid name."</p> }.into_any();
                    };
                    let registry = s.registries.first().and_then(|r| Registry::parse(r).ok()).unwrap_or(Registry::DockerHub);
                    let image = forms::example_image_for(&registry);
                    let edit_href = format!("/secrets/{}/edit", name.as_str());
                    let shown = name.to_string();
                    view! {
                        <div class="page-head">
                            <h1 id="secret-title">{s.name.clone()}</h1>
                            <div class="row">
                                <Show when=move || ctx.offers().edit>
                                    <A href=edit_href.clone() attr:class="button">"Edit credentials"</A>
                                </Show>
                                <Show when=move || ctx.offers().delete>
                                    <button type="button" class="danger" id="delete-secret" aria-expanded=move || asking.get().to_string()
                                        on:click=move |_| asking.set(true)>"Delete"</button>
                                </Show>
                            </div>
                        </div>
                        <Show when=move || asking.get()>
                            <div class="confirm card" role="alertdialog" aria-label="Confirm delete" id="delete-confirm">
                                <p>{format!("Delete \"{shown}\"? Deployments can no longer pull with it; it stays under Deleted secrets for a while, and this page offers Undelete.")}</p>
                                <button type="button" class="small danger" on:click=delete>{format!("Delete {shown}")}</button>
                                <button type="button" class="small" on:click=move |_| asking.set(false)>"Cancel"</button>
                            </div>
                        </Show>
                        <dl class="meta">
                            <dt>"Registries"</dt><dd>{s.registries.join(", ")}</dd>
                            {crate::listing::source_label(&s).map(|label| view! { <dt>"Credentials"</dt><dd id="source">{label}</dd> })}
                            <dt>{if s.users.len() > 1 { "Usernames" } else { "Username" }}</dt>
                            <dd id="usernames">{usernames(&s.users, s.users.len() > 1)}</dd>
                            <dt>"Created"</dt><dd>{short_time(&s.created_at)}</dd>
                            <dt>"Modified"</dt><dd>{short_time(&s.modified_at)}</dd>
                            <dt>"Expires"</dt><dd id="expires-at">{crate::listing::expiry_label(&s).0}</dd>
                            <dt>"Health"</dt><dd id="health">{ let (text, class) = crate::listing::health_label(&s); view! { <span class=class>{text}</span> } }
                                {s.health.clone().map(|h| view! { <span class="hint">" " {h.message}</span> })}</dd>
                        </dl>
                        <CheckHistory name=s.name.clone() changed=changed/>
                        <Show when=move || ctx.offers().check_login>
                            <button type="button" id="test-login" disabled=move || checking.get() on:click=test_login>
                                {move || if checking.get() { "Testing the login…" } else { "Test login" }}
                            </button>
                            {move || view! { <LoginResults result=check.get()/> }}
                        </Show>
                        <h2>"Use it"</h2>
                        <p class="hint">"These reference the secret by name; none of them holds credentials. Replace the image placeholder with yours."</p>
                        <Snippet title="Kubernetes: pod spec" id="snippet-k8s" text=forms::k8s_image_pull_secrets(&name)/>
                        <Snippet title="SAP AI Core: serving or workflow template" id="snippet-sap" text=forms::sap_ai_core_template(&name)/>
                        <Snippet title="DC/OS Marathon app (secret store)" id="snippet-dcos-app" text=forms::dcos_app(&name, &image)/>
                        <Snippet title="DC/OS Marathon pod (secret store)" id="snippet-dcos-pod" text=forms::dcos_pod(&name, &image)/>
                        <Show when=move || ctx.offers().activity>
                            <h2>"Activity"</h2>
                            <crate::pages::activity::Events secret=Some(s.name.clone())/>
                        </Show>
                    }.into_any()
                }
            })}
        </Suspense>
        // Outside the Suspense: a restore refetches the metadata above, and
        // must not rebuild the table (and its notice) with it.
        {move || params.read().get("name").map(|name| view! {
            <crate::pages::versions::Versions name=name changed=changed on_restored=Callback::new(move |_| status.refetch())/>
        })}
    }
}

/// A name GET does not find: deleted and still kept (when, until when,
/// Undelete), or never there.
#[component]
fn Gone(name: String, message: String, undelete: Callback<String>) -> impl IntoView {
    let ctx = use_ctx();
    let n = name.clone();
    let kept = LocalResource::new(move || {
        let token = ctx.token();
        let name = n.clone();
        async move {
            api::deleted(&token)
                .await
                .ok()
                .and_then(|l| l.resources.into_iter().find(|s| s.name == name))
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="pending" aria-busy="true">"Loading…"</p> }>
            {move || kept.get().map(|found| {
                let (name, message) = (name.clone(), message.clone());
                match found {
                    Some(s) => view! {
                        <section id="deleted-secret">
                            <h1 id="secret-title">{name.clone()}</h1>
                            <p class="warning" role="status" id="deleted-line">
                                {format!("This secret was {}. Deployments cannot pull with it; undelete brings it back as it was.", deleted_line(&s))}
                            </p>
                            <dl class="meta">
                                <dt>"Registries"</dt><dd>{s.registries.join(", ")}</dd>
                            <dt>{if s.users.len() > 1 { "Usernames" } else { "Username" }}</dt>
                            <dd id="usernames">{usernames(&s.users, s.users.len() > 1)}</dd>
                                <dt>"Modified"</dt><dd>{short_time(&s.modified_at)}</dd>
                            </dl>
                            <Show when=move || ctx.offers().undelete>
                                {let n = name.clone(); view! {
                                    <button type="button" id="undelete" on:click=move |_| undelete.run(n.clone())>"Undelete"</button>
                                }}
                            </Show>
                            <p><A href="/deleted">"All deleted secrets"</A></p>
                        </section>
                    }.into_any(),
                    None => view! {
                        <h1 id="secret-title">{name}</h1>
                        <p class="error" role="alert">{message}</p>
                        <p><A href="/">"Go to the secrets list"</A></p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
