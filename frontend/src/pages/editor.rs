//! Create and edit. Both use one credential form; every rule it checks
//! comes from `shared`, and API errors land next to the field they name.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::api::{EntryEditRequest, RegistryLogin, SecretStatus, SourceRequest};
use shared::{ParsedConfig, SecretName};

use crate::api::Change;
use crate::edit::{describe, entry_edit};
use crate::form::{
    error_for, masked_preview, name_error, CredentialForm, ExpiryChange, FieldError, Kind,
};
use crate::listing::short_time;
use crate::pages::cloud_fields::CloudFields;
use crate::pages::gate::RequireRole;
use crate::pages::widgets::{route_secret, LoginResults};
use crate::session::{use_ctx, Flash};
use crate::{api, browser};

#[component]
pub fn Create() -> impl IntoView {
    browser::set_title("Create a pull secret");
    view! { <RequireRole needs=shared::Action::Create what="create secrets"><Editor existing=None/></RequireRole> }
}

#[component]
pub fn Edit() -> impl IntoView {
    let params = use_params_map();
    Effect::new(move || {
        let name = params.read().get("name").unwrap_or_default();
        browser::set_title(&format!("Edit {name}"));
    });
    view! { <RequireRole needs=shared::Action::Modify what="edit secrets"><EditLoaded/></RequireRole> }
}

/// The edit form starts from the stored secret (its registry, username,
/// email and expiry), so an edit is never blind and keeps what it does not
/// change.
#[component]
fn EditLoaded() -> impl IntoView {
    let status = route_secret();
    view! {
        <Suspense fallback=|| view! { <p class="pending" aria-busy="true">"Loading…"</p> }>
            {move || status.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">"Could not load the secret: " {e.message}</p> }.into_any(),
                Ok(s) => view! { <Editor existing=Some(s)/> }.into_any(),
            })}
        </Suspense>
    }
}

/// Where an API error's `target` belongs on this form.
fn field_for(target: Option<&str>, kind: Kind) -> &'static str {
    if let Some(field) = crate::cloud::api_field(target) {
        return field;
    }
    match target {
        Some("name") => "name",
        Some(t) if t.starts_with("data") && kind == Kind::Raw => "raw",
        Some("entry.registry" | "entry.newRegistry") => "server",
        Some("entry.username") => "username",
        Some("entry.password") => "password",
        _ => "form",
    }
}

/// What the form would save: a whole `.dockerconfigjson` (create, or an
/// edit that pastes one), or an edit of the stored entry it shows.
#[derive(Clone, PartialEq)]
enum Plan {
    Whole(ParsedConfig),
    Entry(Option<EntryEditRequest>),
    /// A cloud source to mint from (create, or a rotated key).
    Source(SourceRequest),
}

#[component]
fn Editor(existing: Option<SecretStatus>) -> impl IntoView {
    let ctx = use_ctx();
    let navigate = use_navigate();
    let editing = existing.is_some();
    let name = RwSignal::new(
        existing
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
    );
    let stored_expiry = existing.as_ref().and_then(|s| s.expires_at.clone());
    let users: Vec<RegistryLogin> = existing
        .as_ref()
        .map(|s| s.users.clone())
        .unwrap_or_default();
    let several = users.len() > 1;
    // Which stored entry the form edits (of several registries, one at a time).
    let at = RwSignal::new(0usize);
    let users = StoredValue::new(users);
    let stored = move || users.with_value(|u| u.get(at.get()).cloned());
    let form = RwSignal::new(
        existing
            .as_ref()
            .map(|s| CredentialForm::for_stored(s, 0))
            .unwrap_or_default(),
    );
    let status = StoredValue::new(existing.clone());
    // An edit of a brokered secret keeps its source unless a key is typed.
    let brokered = existing.as_ref().is_some_and(|s| s.source.is_some());
    let show_password = RwSignal::new(false);
    let touched = RwSignal::new(false);
    let api_error = RwSignal::new(None::<(&'static str, String)>);
    let busy = RwSignal::new(false);

    let plan = Memo::new(move |_| {
        let f = form.get();
        if let Some(cloud) = f.kind.cloud() {
            if brokered && !f.cloud.has_key(cloud) {
                return Ok(Plan::Entry(None));
            }
            return f.cloud.source(cloud).map(Plan::Source);
        }
        match stored() {
            Some(s) if f.kind != Kind::Raw => entry_edit(&f, &s).map(Plan::Entry),
            _ => f.check().map(Plan::Whole),
        }
    });
    let login = RwSignal::new(None);
    let testing = RwSignal::new(false);
    let test_login = move |_| {
        touched.set(true);
        let token = ctx.token();
        let secret = name.get_untracked();
        // Typed credentials are tested as typed; an edit that keeps the
        // stored password tests what is stored, if nothing else changed.
        let typed = match plan.get_untracked() {
            Ok(Plan::Source(source)) => {
                testing.set(true);
                leptos::task::spawn_local(async move {
                    login.set(Some(api::check_source(&token, source).await));
                    testing.set(false);
                });
                return;
            }
            Ok(Plan::Whole(p)) => Some(p.config.to_json()),
            Ok(Plan::Entry(edit)) => match form.with_untracked(CredentialForm::check) {
                Ok(p) => Some(p.config.to_json()),
                Err(_) if edit.is_none() => None,
                Err(_) => {
                    api_error.set(Some((
                        "password",
                        "type the password too, to test the changed login".into(),
                    )));
                    return;
                }
            },
            Err(_) => return,
        };
        testing.set(true);
        leptos::task::spawn_local(async move {
            let result = match typed {
                Some(json) => api::check_given(&token, &json).await,
                None => api::check_stored(&token, &secret).await,
            };
            login.set(Some(result));
            testing.set(false);
        });
    };
    let field_errors = move || plan.get().err().unwrap_or_default();
    let name_problem = move || {
        if editing {
            None
        } else {
            name_error(&name.get())
        }
    };
    let shown_error = move |field: &'static str| {
        move || {
            let api = api_error.get().filter(|(f, _)| *f == field).map(|(_, m)| m);
            let local = match field {
                "name" if !name.get().is_empty() || touched.get() => name_problem(),
                "name" => None,
                "expires" => form.with(CredentialForm::expiry).err().map(|e| e.message),
                f if touched.get() => error_for(&field_errors(), f).map(str::to_owned),
                _ => None,
            };
            api.or(local)
        }
    };
    let set = move |f: fn(&mut CredentialForm, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            form.update(|s| f(s, v));
            api_error.set(None);
        }
    };
    let pick_entry = move |ev: leptos::ev::Event| {
        let Ok(i) = event_target_value(&ev).parse::<usize>() else {
            return;
        };
        at.set(i);
        if let Some(s) = status.get_value() {
            form.set(CredentialForm::for_stored(&s, i));
        }
        api_error.set(None);
        login.set(None);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        let Ok(planned) = plan.get_untracked() else {
            return;
        };
        let Ok(expiry) = form.with_untracked(|f| f.expiry_change(stored_expiry.as_deref())) else {
            return;
        };
        if name_problem().is_some() {
            return;
        }
        let Ok(secret) = SecretName::parse(&name.get_untracked()) else {
            return;
        };
        let change = match planned.clone() {
            Plan::Entry(None) if expiry == ExpiryChange::Keep => {
                api_error.set(Some(("form", "Nothing to save: type a new password, or change the username, registry, email or expiry.".into())));
                return;
            }
            Plan::Entry(None) => Change::Keep,
            Plan::Entry(Some(e)) => Change::Edit(e),
            Plan::Whole(p) => Change::Replace(p.config.to_json()),
            Plan::Source(s) => Change::Source(s),
        };
        // The browser holds the whole document only when it was typed in
        // full: then the next page offers files made from it.
        let held = match &planned {
            Plan::Whole(p) => Some(p.config.clone()),
            Plan::Entry(Some(e)) if e.password.is_some() && !several => form
                .with_untracked(CredentialForm::check)
                .ok()
                .map(|p| p.config),
            Plan::Entry(_) | Plan::Source(_) => None,
        };
        let kind = form.get_untracked().kind;
        let token = ctx.token();
        let navigate = navigate.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = if editing {
                api::modify(&token, secret.as_str(), change, expiry)
                    .await
                    .map(|r| r.warnings)
            } else {
                let expires_at = match expiry {
                    ExpiryChange::Set(t) => Some(t),
                    ExpiryChange::Keep | ExpiryChange::Clear => None,
                };
                match change {
                    Change::Replace(json) => {
                        api::create(&token, secret.as_str(), &json, expires_at)
                            .await
                            .map(|r| r.warnings)
                    }
                    Change::Source(s) => api::create_source(&token, secret.as_str(), s, expires_at)
                        .await
                        .map(|r| r.warnings),
                    Change::Edit(_) | Change::Keep => return,
                }
            };
            busy.set(false);
            match result {
                Ok(warnings) => {
                    let verb = if editing { "updated" } else { "created" };
                    let mut message = format!("Secret \"{secret}\" {verb}.");
                    for w in warnings {
                        message.push_str(&format!(" Note: {w}"));
                    }
                    ctx.flash.set(Some(Flash {
                        message,
                        held: held.map(|config| (secret, config)),
                    }));
                    navigate("/", Default::default());
                }
                Err(e) => api_error.set(Some((field_for(e.target.as_deref(), kind), e.message))),
            }
        });
    };
    let kind_radio = move |k: Kind, id: &'static str, label: &'static str| {
        view! {
            <label class="choice" for=id>
                <input type="radio" name="kind" id=id checked=move || form.get().kind == k
                    on:change=move |_| { form.update(|f| f.kind = k); api_error.set(None); }/>
                {label}
            </label>
        }
    };
    let title = match &existing {
        Some(s) => format!("Edit \"{}\"", s.name),
        None => "Create a pull secret".to_string(),
    };
    let expiry_hint = match existing.as_ref().map(|s| s.expires_at.as_deref()) {
        Some(Some(t)) => format!(
            "Now expires {}. Change the date, or choose \"No expiry\".",
            short_time(t)
        ),
        Some(None) => "Now it has no expiry.".to_owned(),
        None => "Leave it empty for no expiry.".to_owned(),
    };
    let password_hint = if editing {
        "Leave it empty to keep the stored one."
    } else {
        ""
    };
    view! {
        <h1>{title}</h1>
        <form class="card" on:submit=submit novalidate>
            <label for="name">"Secret name"</label>
            <input id="name" autocomplete="off" spellcheck="false" aria-describedby="name-error name-hint"
                readonly=editing prop:value=move || name.get()
                on:input=move |ev| { name.set(event_target_value(&ev)); api_error.set(None); }/>
            <p id="name-hint" class="hint">{if editing { "A secret's name never changes." } else { "1-253 characters: a-z, 0-9 and '-', starting and ending with a letter or digit." }}</p>
            <p id="name-error" class="field-error" role="alert">{shown_error("name")}</p>

            {several.then(|| view! {
                <label for="entry">"Registry to change"</label>
                <select id="entry" aria-describedby="entry-hint" on:change=pick_entry>
                    {users.get_value().into_iter().enumerate().map(|(i, u)| view! {
                        <option value=i.to_string() prop:selected=move || at.get() == i>{format!("{} ({})", u.registry, u.username)}</option>
                    }).collect_view()}
                </select>
                <p id="entry-hint" class="hint">"This secret holds several registries; an edit changes one, and keeps the others as they are."</p>
            })}

            <fieldset>
                <legend>"Registry"</legend>
                {kind_radio(Kind::DockerHub, "kind-hub", "Docker Hub")}
                {kind_radio(Kind::Private, "kind-private", "Private registry")}
                {kind_radio(Kind::Raw, "kind-raw", if editing { "Replace with a pasted .dockerconfigjson" } else { "Paste a .dockerconfigjson" })}
                {kind_radio(Kind::Ecr, "kind-ecr", "Amazon ECR")}
                {kind_radio(Kind::Gcp, "kind-gcp", "Google Artifact Registry / GCR")}
                {kind_radio(Kind::Acr, "kind-acr", "Azure Container Registry")}
            </fieldset>
            <CloudFields form=form api_error=api_error touched=touched/>

            <Show when=move || form.get().kind == Kind::Private>
                <label for="server">"Registry address"</label>
                <input id="server" placeholder="registry.example.com:5000" autocomplete="off" aria-describedby="server-error"
                    prop:value=move || form.get().server on:input=set(|f, v| f.server = v)/>
                <p id="server-error" class="field-error" role="alert">{shown_error("server")}</p>
            </Show>
            <Show when=move || form.get().kind == Kind::DockerHub>
                <p class="hint">"Stored under Docker Hub's server key https://index.docker.io/v1/."</p>
            </Show>
            <Show when=move || form.get().kind == Kind::Raw>
                <label for="raw">".dockerconfigjson (JSON text or base64 of it)"</label>
                <textarea id="raw" rows="8" spellcheck="false" aria-describedby="raw-error"
                    prop:value=move || form.get().raw on:input=set(|f, v| f.raw = v)></textarea>
                <p id="raw-error" class="field-error" role="alert">{shown_error("raw")}</p>
            </Show>
            <Show when=move || form.get().kind.typed()>
                <label for="username">"Username"</label>
                <input id="username" autocomplete="off" spellcheck="false" aria-describedby="username-error"
                    prop:value=move || form.get().username on:input=set(|f, v| f.username = v)/>
                <p id="username-error" class="field-error" role="alert">{shown_error("username")}</p>
                <label for="password">"Password or access token"</label>
                <div class="row">
                    <input id="password" type=move || if show_password.get() { "text" } else { "password" }
                        autocomplete="new-password" spellcheck="false" aria-describedby="password-hint password-error"
                        prop:value=move || form.get().password on:input=set(|f, v| f.password = v)/>
                    <button type="button" class="small" aria-controls="password" aria-pressed=move || show_password.get().to_string()
                        on:click=move |_| show_password.update(|s| *s = !*s)>
                        {move || if show_password.get() { "Hide" } else { "Reveal" }}
                    </button>
                </div>
                <p id="password-hint" class="hint">{password_hint}</p>
                <p id="password-error" class="field-error" role="alert">{shown_error("password")}</p>
                <label for="email">"Email (optional)"</label>
                <input id="email" type="email" autocomplete="off"
                    prop:value=move || form.get().email on:input=set(|f, v| f.email = v)/>
            </Show>

            <label for="expires">"Expires (optional)"</label>
            <div class="row expiry">
                <input id="expires" type="date" aria-describedby="expires-hint expires-error"
                    prop:value=move || form.get().expires on:input=set(|f, v| f.expires = v)/>
                <button type="button" class="small" id="no-expiry" disabled=move || form.with(|f| f.expires.is_empty())
                    on:click=move |_| { form.update(|f| f.expires.clear()); api_error.set(None); }>"No expiry"</button>
            </div>
            <p id="expires-hint" class="hint">{expiry_hint} " Registry tokens often expire (robot accounts after N days); for Amazon ECR, Google and Azure choose the cloud above, and regcred mints fresh credentials at every pull. The list flags secrets that expire within 14 days."</p>
            <p id="expires-error" class="field-error" role="alert">{shown_error("expires")}</p>

            <h2>{if editing { "What the save changes" } else { "What will be stored" }}</h2>
            <pre id="preview" class="preview" aria-live="polite">{move || match plan.get() {
                Ok(Plan::Whole(p)) => masked_preview(&p.config),
                Ok(Plan::Source(s)) => crate::cloud::preview(&s),
                Ok(Plan::Entry(e)) => stored().map(|s| describe(e.as_ref(), &s)).unwrap_or_default(),
                Err(errs) => format!("Not ready yet: {}", errs.iter().map(|e: &FieldError| e.message.clone()).collect::<Vec<_>>().join("; ")),
            }}</pre>
            <p id="form-error" class="field-error" role="alert">{shown_error("form")}</p>
            <button type="button" class="secondary-action" id="test-login" disabled=move || testing.get() on:click=test_login>
                {move || if testing.get() { "Testing the login…" } else { "Test login" }}
            </button>
            {move || view! { <LoginResults result=login.get()/> }}
            <button type="submit" disabled=move || busy.get()>
                {move || match (busy.get(), editing) { (true, _) => "Saving…", (false, true) => "Save changes", (false, false) => "Create secret" }}
            </button>
        </form>
    }
}
