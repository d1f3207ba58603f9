//! Small reusable pieces: the header's links, masked secrets, copyable
//! snippets, credential downloads.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::api::{LoginCheckResponse, SecretStatus};
use shared::login::LoginResult;
use shared::{archive, forms, DockerConfig, Role, SecretName};

use crate::api::{self, CallError};
use crate::session::use_ctx;
use crate::{browser, nav};

/// The header's links, for the console and the decoder's own entry alike,
/// behind a Menu button on a phone:
/// those `role` may see (None: signed out), the one for `current` marked
/// for screen readers (`aria-current`) and the eye (style.css draws a bar
/// under it). A page with its own entry is a page load, not a route
/// (`rel=external`).
#[component]
pub fn HeaderLinks<R, C>(role: R, current: C) -> impl IntoView
where
    R: Fn() -> Option<Role> + Copy + Send + Sync + 'static,
    C: Fn() -> Option<&'static str> + Copy + Send + Sync + 'static,
{
    // On a phone the links fold behind a Menu button (style.css shows it
    // below 40rem); a link followed folds them again.
    let open = RwSignal::new(false);
    view! {
        <button type="button" class="menu-toggle" aria-controls="main-nav" aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)>"Menu"</button>
        <nav id="main-nav" aria-label="Main" class:open=move || open.get() on:click=move |_| open.set(false)>
            {nav::LINKS.iter().map(|&(href, label)| view! {
                <Show when=move || nav::shown(href, role())>
                    <a href=href rel=nav::own_entry(href).then_some("external")
                        aria-current=move || (current() == Some(href)).then_some("page")>{label}</a>
                </Show>
            }).collect_view()}
        </nav>
    }
}

/// A password shown as dots until the user asks to see it.
#[component]
pub fn Masked(#[prop(into)] value: String, #[prop(into)] id: String) -> impl IntoView {
    let shown = RwSignal::new(false);
    let v = value.clone();
    view! {
        <span class="masked">
            <code id=id.clone()>{move || if shown.get() { v.clone() } else { "••••••••".to_string() }}</code>
            <button type="button" class="small" aria-pressed=move || shown.get().to_string()
                on:click=move |_| shown.update(|s| *s = !*s)>
                {move || if shown.get() { "Hide" } else { "Reveal" }}
            </button>
        </span>
    }
}

/// A titled code block with a copy button.
#[component]
pub fn Snippet(
    #[prop(into)] title: String,
    #[prop(into)] id: String,
    #[prop(into)] text: String,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let t = text.clone();
    view! {
        <figure class="snippet">
            <figcaption>
                <span>{title}</span>
                <button type="button" class="small" on:click=move |_| { browser::copy(&t); copied.set(true); }>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </figcaption>
            <pre id=id><code>{text}</code></pre>
        </figure>
    }
}

/// Downloads that contain credentials: only offered while the browser holds
/// them (after create or edit, in import, in the decoder), never fetched back.
#[component]
pub fn CredentialDownloads(name: SecretName, config: DockerConfig) -> impl IntoView {
    let (n1, c1) = (name.clone(), config.clone());
    let c2 = config.clone();
    let c3 = config.clone();
    let image = forms::example_image(&config);
    view! {
        <section class="downloads" aria-label="Credential downloads">
            <h2>"Files with the credentials"</h2>
            <p class="hint">"Made in your browser from what you just entered; regcred never sends credentials back."</p>
            <div class="row">
                <button type="button" id="dl-k8s" on:click=move |_| {
                    let yaml = forms::k8s_secret_manifest(&n1, &c1, None);
                    browser::download(&format!("{n1}.secret.yaml"), "application/yaml", yaml.as_bytes());
                }>"Kubernetes Secret (YAML)"</button>
                <button type="button" id="dl-config" on:click=move |_| {
                    browser::download("config.json", "application/json", forms::docker_config_json(&c2).as_bytes());
                }>"config.json"</button>
                <button type="button" id="dl-targz" on:click=move |_| {
                    let bytes = archive::docker_tar_gz(&c3, browser::now_secs());
                    browser::download("docker.tar.gz", "application/gzip", &bytes);
                }>"DC/OS docker.tar.gz"</button>
            </div>
            <Snippet title="DC/OS app using the docker.tar.gz (URI form)" id="snippet-dcos-uri" text=forms::dcos_uri_app(&image)/>
        </section>
    }
}

/// The login check's verdicts, in plain words.
#[component]
pub fn LoginResults(result: Option<Result<LoginCheckResponse, CallError>>) -> impl IntoView {
    result.map(|r| match r {
        Err(e) => view! { <p class="field-error" role="alert" id="login-results">{e.message}</p> }.into_any(),
        Ok(r) => view! {
            <ul class="login-results" id="login-results" aria-live="polite">
                {r.results.into_iter().map(|o| {
                    let (class, word) = match o.result {
                        LoginResult::Ok => ("ok", "Login works"),
                        LoginResult::CredentialsRejected => ("err", "Credentials rejected"),
                        LoginResult::Unreachable => ("err", "Registry unreachable"),
                        LoginResult::NotARegistry => ("err", "Not a registry"),
                        LoginResult::NotAllowed => ("err", "Not allowed"),
                        LoginResult::Unexpected => ("err", "Unexpected answer"),
                        LoginResult::TlsFailed => ("err", "TLS failed"),
                        LoginResult::NotChecked => ("err", "Not checked"),
                    };
                    view! { <li class=class><strong>{word}</strong>" — "{o.registry}": "{o.message}</li> }
                }).collect_view()}
            </ul>
        }.into_any(),
    })
}

/// The secret the route's `:name` names, loaded with the session's token.
pub fn route_secret() -> LocalResource<Result<SecretStatus, CallError>> {
    let ctx = use_ctx();
    let params = use_params_map();
    LocalResource::new(move || {
        let name = params.read().get("name").unwrap_or_default();
        let token = ctx.token();
        async move { api::get(&token, &name).await }
    })
}
