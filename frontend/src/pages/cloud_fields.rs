//! The create form's cloud-source fields (Amazon ECR, Google, Azure): what
//! each cloud needs, checked as typed by `cloud::CloudForm`, the key file
//! pasted, chosen or dropped. Keys stay in this page's memory.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::cloud::CloudForm;
use crate::form::{error_for, CredentialForm, Kind};

type ApiError = RwSignal<Option<(&'static str, String)>>;

#[component]
pub fn CloudFields(
    form: RwSignal<CredentialForm>,
    api_error: ApiError,
    touched: RwSignal<bool>,
) -> impl IntoView {
    let kind = move || form.get().kind;
    // The first problem `shared` finds, at its field, once typed or tried.
    let error = move |field: &'static str| {
        move || {
            let api = api_error.get().filter(|(f, _)| *f == field).map(|(_, m)| m);
            let local = form.with(|f| {
                let cloud = f.kind.cloud()?;
                let errs = f.cloud.source(cloud).err()?;
                (touched.get() || f.cloud != CloudForm::default())
                    .then(|| error_for(&errs, field).map(str::to_owned))
                    .flatten()
            });
            api.or(local)
        }
    };
    let input = move |id: &'static str,
                      label: &'static str,
                      hint: &'static str,
                      secret: bool,
                      get: fn(&CloudForm) -> String,
                      put: fn(&mut CloudForm, String)| {
        let error_id = format!("{id}-error");
        view! {
            <label for=id>{label}</label>
            <input id=id type=if secret { "password" } else { "text" } autocomplete=if secret { "new-password" } else { "off" }
                spellcheck="false" aria-describedby=error_id.clone()
                prop:value=move || form.with(|f| get(&f.cloud))
                on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| put(&mut f.cloud, v)); api_error.set(None); }/>
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
            <p id=error_id class="field-error" role="alert">{error(id)}</p>
        }
    };
    let take_file = move |file: Option<web_sys::File>| {
        if let Some(file) = file {
            leptos::task::spawn_local(async move {
                if let Some(text) = crate::browser::read_file(file).await {
                    form.update(|f| f.cloud.key_file = text);
                    api_error.set(None);
                }
            });
        }
    };
    let on_file = move |ev: leptos::ev::Event| {
        take_file(
            ev.target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|i| i.files())
                .and_then(|f| f.get(0)),
        )
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        take_file(
            ev.data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0)),
        );
    };
    view! {
        <Show when=move || kind().cloud().is_some()>
            <p class="hint">"regcred keeps this cloud credential sealed and mints a short-lived registry credential from it whenever someone pulls; the key is never shown again."</p>
        </Show>
        <Show when=move || kind() == Kind::Ecr>
            {input("region", "AWS region", "", false, |c| c.region.clone(), |c, v| c.region = v)}
            {input("access-key-id", "Access key id", "An IAM user's key allowed ecr:GetAuthorizationToken.", false, |c| c.access_key_id.clone(), |c, v| c.access_key_id = v)}
            {input("secret-access-key", "Secret access key", "", true, |c| c.secret_access_key.clone(), |c, v| c.secret_access_key = v)}
            {input("registry-id", "Account id (12 digits)", "The registry is <account>.dkr.ecr.<region>.amazonaws.com; or give its address below.", false, |c| c.registry_id.clone(), |c, v| c.registry_id = v)}
            {input("cloud-registry", "Registry address (optional)", "", false, |c| c.registry.clone(), |c, v| c.registry = v)}
        </Show>
        <Show when=move || kind() == Kind::Gcp>
            {input("cloud-registry", "Registry address", "e.g. europe-docker.pkg.dev or gcr.io", false, |c| c.registry.clone(), |c, v| c.registry = v)}
            <label for="key-file">"Service account key (JSON)"</label>
            <textarea id="key-file" rows="6" spellcheck="false" aria-describedby="key-file-error" placeholder="Paste the key file, or drop it here"
                prop:value=move || form.with(|f| f.cloud.key_file.clone())
                on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.cloud.key_file = v); api_error.set(None); }
                on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
                on:drop=on_drop></textarea>
            <input id="key-file-input" type="file" accept=".json,application/json" aria-label="Choose the key file" on:change=on_file/>
            <p id="key-file-error" class="field-error" role="alert">{error("key-file")}</p>
        </Show>
        <Show when=move || kind() == Kind::Acr>
            {input("cloud-registry", "Registry address", "e.g. myregistry.azurecr.io", false, |c| c.registry.clone(), |c, v| c.registry = v)}
            {input("tenant", "Tenant id", "", false, |c| c.tenant.clone(), |c, v| c.tenant = v)}
            {input("client-id", "Client (application) id", "A service principal with the AcrPull role.", false, |c| c.client_id.clone(), |c, v| c.client_id = v)}
            {input("client-secret", "Client secret", "", true, |c| c.client_secret.clone(), |c, v| c.client_secret = v)}
        </Show>
    }
}
