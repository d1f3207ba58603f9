//! A puller token's page. It cannot list or read secrets here: it hands
//! credentials to the programs that pull. So instead of "could not load",
//! it says which registries the token may read and how to give it to the
//! Docker credential helper and the kubelet credential provider.

use leptos::prelude::*;

use crate::api;
use crate::pages::widgets::Snippet;
use crate::puller::{docker_config, kubelet_config, lookup_keys};
use crate::session::use_ctx;

/// This console's address, for the snippets' REGCRED_URL.
fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_else(|| "https://regcred.example.com".into())
}

#[component]
pub fn PullerHome() -> impl IntoView {
    let ctx = use_ctx();
    let label = move || ctx.session.get().map(|s| s.label).unwrap_or_default();
    let pullable = LocalResource::new(move || {
        let token = ctx.token();
        async move { api::pullable(&token).await }
    });
    let url = origin();
    view! {
        <section id="puller-home">
            <h1>"This token pulls images"</h1>
            <p>"You are signed in as " <strong>{label}</strong> " with the " <strong>"puller"</strong>
               " role. A puller token does not list, read or change secrets in this console: it hands the credentials of a registry to the programs that pull images, so no machine keeps a registry password on disk."</p>
            <Suspense fallback=|| view! { <p class="pending" aria-busy="true">"Loading the registries this token may read…"</p> }>
                {move || pullable.get().map(|r| {
                    let url = url.clone();
                    match r {
                        Err(e) => view! { <p class="error" role="alert">"Could not load the registries this token may read: " {e.message}</p> }.into_any(),
                        Ok(list) => {
                            let registries: Vec<String> = list.resources.iter().map(|r| r.registry.clone()).collect();
                            let (docker, kubelet) = lookup_keys(&registries);
                            view! {
                                <h2>"Registries it may read"</h2>
                                {if list.resources.is_empty() {
                                    view! { <p class="hint" id="pullable-none">"None yet: no secret this token may read holds a registry. The snippets below use an example."</p> }.into_any()
                                } else {
                                    view! {
                                        <table id="pullable" class="cards">
                                            <thead><tr><th scope="col">"Registry"</th><th scope="col">"Secret"</th><th scope="col">"Username"</th></tr></thead>
                                            <tbody>{list.resources.into_iter().map(|r| view! {
                                                <tr><td data-label="Registry">{r.registry}</td><td data-label="Secret">{r.secret}</td><td data-label="Username">{r.username}</td></tr>
                                            }).collect_view()}</tbody>
                                        </table>
                                    }.into_any()
                                }}
                                <h2>"Docker, skopeo, podman: " <code>"docker-credential-regcred"</code></h2>
                                <ol class="steps">
                                    <li>"Install the regcred CLI, which brings " <code>"docker-credential-regcred"</code> ": " <code>"cargo install --path cli --locked"</code> " in regcred's repository."</li>
                                    <li>"Save this token for it: " <code>{format!("regcred login {url} --token-stdin")}</code> " (the token on stdin), or set " <code>"REGCRED_URL"</code> " and " <code>"REGCRED_TOKEN"</code> "."</li>
                                    <li>"Name it per registry in " <code>"~/.docker/config.json"</code> " (or a containers " <code>"auth.json"</code> "), then pull as usual:"</li>
                                </ol>
                                <Snippet title="~/.docker/config.json" id="snippet-credhelpers" text=docker_config(&docker)/>
                                <h2>"Kubernetes: " <code>"regcred kubelet-credential-provider"</code></h2>
                                <p>"Copy the " <code>"regcred"</code> " binary into the kubelet's " <code>"--image-credential-provider-bin-dir"</code>
                                   " and pass this file as " <code>"--image-credential-provider-config"</code> " (Kubernetes 1.26 or later). Pods then pull without imagePullSecrets."</p>
                                <Snippet title="CredentialProviderConfig" id="snippet-kubelet" text=kubelet_config(&url, &kubelet)/>
                                <p class="hint">"A CI job that knows the secret's name can also read it whole: "
                                   <code>"GET /v2/admin/dockerRegistrySecrets/<name>/dockerconfigjson"</code> " with this token as " <code>"Authorization: Bearer"</code> "."</p>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
