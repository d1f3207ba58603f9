//! One secret: its metadata and "Use it" snippets that need no credentials.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::{forms, Registry, SecretName};

use crate::listing::short_time;
use crate::pages::gate::RequireSession;
use crate::pages::widgets::{route_secret, LoginResults, Snippet};
use crate::session::use_ctx;
use crate::{api, browser};

#[component]
pub fn Detail() -> impl IntoView {
    let params = use_params_map();
    Effect::new(move || browser::set_title(&params.read().get("name").unwrap_or_default()));
    view! { <RequireSession><Loaded/></RequireSession> }
}

#[component]
fn Loaded() -> impl IntoView {
    let ctx = use_ctx();
    let params = use_params_map();
    let status = route_secret();
    let check = RwSignal::new(None);
    let checking = RwSignal::new(false);
    let test_login = move |_| {
        let name = params.read_untracked().get("name").unwrap_or_default();
        let token = ctx.token();
        checking.set(true);
        leptos::task::spawn_local(async move {
            check.set(Some(api::check_stored(&token, &name).await));
            checking.set(false);
        });
    };
    view! {
        <Suspense fallback=|| view! { <p class="pending" aria-busy="true">"Loading…"</p> }>
            {move || status.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                Ok(s) => {
                    let Ok(name) = SecretName::parse(&s.name) else {
                        return view! { <p class="error">"The API returned an invalid name."</p> }.into_any();
                    };
                    let registry = s.registries.first().and_then(|r| Registry::parse(r).ok()).unwrap_or(Registry::DockerHub);
                    let image = forms::example_image_for(&registry);
                    let edit_href = format!("/secrets/{}/edit", name.as_str());
                    view! {
                        <div class="page-head">
                            <h1 id="secret-title">{s.name.clone()}</h1>
                            <Show when=move || ctx.can_write()>
                                <A href=edit_href.clone() attr:class="button">"Edit credentials"</A>
                            </Show>
                        </div>
                        <dl class="meta">
                            <dt>"Registries"</dt><dd>{s.registries.join(", ")}</dd>
                            <dt>"Created"</dt><dd>{short_time(&s.created_at)}</dd>
                            <dt>"Modified"</dt><dd>{short_time(&s.modified_at)}</dd>
                            <dt>"Expires"</dt><dd id="expires-at">{crate::listing::expiry_label(&s).0}</dd>
                        </dl>
                        <Show when=move || ctx.can_write()>
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
                        <Show when=move || ctx.allows(shared::Action::ReadAudit)>
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
            <crate::pages::versions::Versions name=name on_restored=Callback::new(move |_| status.refetch())/>
        })}
    }
}
