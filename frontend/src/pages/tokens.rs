//! API tokens, for admins: the list (never the tokens themselves), a create
//! form checked by `shared`'s rules as the user types, the new token shown
//! once with a copy button, and revoke with the secrets list's
//! confirmation. The new token lives only in this page's state: leaving the
//! page drops it, and it is never stored.

use leptos::prelude::*;
use shared::apitoken::TokenInfo;
use shared::time::Timestamp;
use shared::{Action, Role};
use wasm_bindgen::JsCast;

use crate::api::{self, CallError, NewToken as CreatedToken};
use crate::browser;
use crate::form::error_for;
use crate::pages::gate::RequireRole;
use crate::session::use_ctx;
use crate::tokens::{field_for, role_hint, row, scope_text, TokenForm};

#[component]
pub fn Tokens() -> impl IntoView {
    browser::set_title("API tokens");
    view! {
        <RequireRole needs=Action::ListTokens what="list, create and revoke API tokens" id="tokens-forbidden">
            <TokenAdmin/>
        </RequireRole>
    }
}

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(browser::now_secs() as i64)
}

#[component]
fn TokenAdmin() -> impl IntoView {
    let ctx = use_ctx();
    let list = RwSignal::new(None::<Result<Vec<TokenInfo>, CallError>>);
    let load = move || {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            list.set(Some(api::tokens(&token).await.map(|l| l.resources)));
        });
    };
    load();
    let created = RwSignal::new(None::<CreatedToken>);
    let confirm = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let on_created = Callback::new(move |c: CreatedToken| {
        notice.set(None);
        created.set(Some(c));
        load();
        request_animation_frame(|| {
            let input = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("created-token"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
            if let Some(input) = input {
                let _ = input.focus();
                input.select();
            }
        });
    });
    let on_revoke = Callback::new(move |(id, label): (String, String)| {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            match api::revoke_token(&token, &id).await {
                Ok(_) => notice.set(Some(format!(
                    "Revoked \"{label}\". Anything still using it is refused from now on."
                ))),
                Err(e) => notice.set(Some(format!("Could not revoke \"{label}\": {}", e.message))),
            }
            confirm.set(None);
            load();
        });
    });
    view! {
        <h1>"API tokens"</h1>
        <p class="hint">"Tokens for people and programs that use the API: CI jobs and kubelets pull with a puller token, people sign in here with a viewer, editor or admin token. A scope limits a token to some secrets. Tokens from the worker's REGCRED_TOKENS setting are not listed."</p>
        {move || created.get().map(|c| view! { <Created created=c on_done=move || created.set(None)/> })}
        {move || notice.get().map(|n| view! { <p class="flash" role="status" id="tokens-notice">{n}</p> })}
        <CreateForm on_created=on_created/>
        <h2>"Tokens"</h2>
        {move || match list.get() {
            None => view! { <p class="pending" aria-busy="true">"Loading tokens…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">"Could not load the tokens: " {e.message}</p> }.into_any(),
            Some(Ok(all)) if all.is_empty() => view! { <p class="hint" id="tokens-empty">"No API tokens made here yet."</p> }.into_any(),
            Some(Ok(all)) => view! {
                <table id="tokens" class="tokens cards">
                    <thead><tr>
                        <th scope="col">"Label"</th><th scope="col">"ID"</th><th scope="col">"Role"</th><th scope="col">"Scope"</th>
                        <th scope="col">"Created (UTC)"</th><th scope="col">"Created by"</th><th scope="col">"Expires (UTC)"</th>
                        <th scope="col">"Last used (UTC)"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr></thead>
                    <tbody>{all.into_iter().map(|t| view! { <Row t=t confirm=confirm on_revoke=on_revoke/> }).collect_view()}</tbody>
                </table>
            }.into_any(),
        }}
    }
}

#[component]
fn Row(
    t: TokenInfo,
    confirm: RwSignal<Option<String>>,
    on_revoke: Callback<(String, String)>,
) -> impl IntoView {
    let r = row(&t);
    let (id, label) = (r.id.clone(), r.label.clone());
    let confirming = {
        let id = id.clone();
        move || confirm.get().as_deref() == Some(id.as_str())
    };
    let ask = {
        let (id, label) = (id.clone(), label.clone());
        view! {
            <button type="button" class="small danger" aria-label=format!("Revoke {label}")
                disabled=confirming.clone() on:click=move |_| confirm.set(Some(id.clone()))>"Revoke"</button>
        }
    };
    // The question takes a row of its own: it is longer than a cell.
    let question = move || {
        confirming().then(|| {
            let pair = (id.clone(), label.clone());
            view! {
                <tr class="confirm-row">
                    <td colspan="9">
                        <span class="confirm" role="alertdialog" aria-label="Confirm revoke">
                            {format!("Revoke \"{label}\"? Whatever uses it is refused from then on; this cannot be undone. ")}
                            <button type="button" class="small danger" on:click=move |_| on_revoke.run(pair.clone())>{format!("Revoke {label}")}</button>
                            <button type="button" class="small" on:click=move |_| confirm.set(None)>"Cancel"</button>
                        </span>
                    </td>
                </tr>
            }
        })
    };
    view! {
        <tr data-id=r.id.clone()>
            <td data-label="Label">{r.label.clone()}</td>
            // The id `regcred token revoke` takes.
            <td data-label="ID" class="id"><code>{r.id.clone()}</code></td>
            <td data-label="Role">{r.role}</td>
            <td data-label="Scope" class="scope">{r.scope}</td>
            <td data-label="Created (UTC)" class="time">{r.created}</td>
            <td data-label="Created by">{r.created_by}</td>
            <td data-label="Expires (UTC)" class="time">{r.expires}</td>
            <td data-label="Last used (UTC)" class="time">{r.last_used}</td>
            <td class="actions">{ask}</td>
        </tr>
        {question}
    }
}

/// The new token, this once: read-only, selectable, copyable, with the
/// warning that it is not shown again.
#[component]
fn Created(created: CreatedToken, on_done: impl Fn() + 'static) -> impl IntoView {
    let copied = RwSignal::new(false);
    let info = created.clone();
    let token = created.token;
    let copy_text = token.clone();
    let select_all = |ev: leptos::ev::FocusEvent| {
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.select();
        }
    };
    let summary = format!(
        "{} · scope: {} · expires: {}",
        info.role.as_str(),
        scope_text(info.scope.as_ref()),
        info.expires_at
            .as_deref()
            .map_or_else(|| "never".to_owned(), crate::listing::short_time)
    );
    view! {
        <section class="card created-token" id="created-token-card" aria-labelledby="created-token-title">
            <h2 id="created-token-title">{format!("Token \"{}\" created", info.label)}</h2>
            <p class="warning" id="created-token-warning" role="alert">
                <strong>"Copy it now: it is shown only this once."</strong>
                " regcred keeps no copy it could show you again. If it is lost, revoke it and create a new one."
            </p>
            <label for="created-token">"The new API token"</label>
            <div class="row">
                <input id="created-token" type="text" readonly autocomplete="off" spellcheck="false"
                    prop:value=token on:focus=select_all/>
                <button type="button" id="copy-token" on:click=move |_| { browser::copy(&copy_text); copied.set(true); }>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
            <p class="hint" id="created-token-summary">{summary}</p>
            <button type="button" class="secondary-action" id="created-token-done" on:click=move |_| on_done()>
                "Done: I have copied it"
            </button>
        </section>
    }
}

#[component]
fn CreateForm(on_created: Callback<CreatedToken>) -> impl IntoView {
    let ctx = use_ctx();
    let form = RwSignal::new(TokenForm::default());
    let touched = RwSignal::new(false);
    let api_error = RwSignal::new(None::<(&'static str, String)>);
    let busy = RwSignal::new(false);
    let errors = move || form.with(|f| f.errors(now()));
    let shown_error = move |field: &'static str| {
        move || {
            let api = api_error.get().filter(|(f, _)| *f == field).map(|(_, m)| m);
            let typed = field != "label" || touched.get() || form.with(|f| !f.label.is_empty());
            let local = typed
                .then(|| error_for(&errors(), field).map(str::to_owned))
                .flatten();
            api.or(local)
        }
    };
    let set = move |f: fn(&mut TokenForm, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            form.update(|s| f(s, v));
            api_error.set(None);
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        let Ok(request) = form.with_untracked(|f| f.check(now())) else {
            return;
        };
        let token = ctx.token();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::create_token(&token, &request).await {
                Ok(created) => {
                    form.set(TokenForm::default());
                    touched.set(false);
                    api_error.set(None);
                    on_created.run(created);
                }
                Err(e) => api_error.set(Some((field_for(e.target.as_deref()), e.message))),
            }
            busy.set(false);
        });
    };
    let role_option = move |r: Role| {
        view! { <option value=r.as_str() prop:selected=move || form.with(|f| f.role == r)>{r.as_str()}</option> }
    };
    view! {
        <form class="card" id="token-form" on:submit=submit novalidate>
            <h2>"Create a token"</h2>
            <label for="token-label">"Label"</label>
            <input id="token-label" autocomplete="off" spellcheck="false" placeholder="ci-runner"
                aria-describedby="token-label-hint token-label-error"
                prop:value=move || form.get().label on:input=set(|f, v| f.label = v)/>
            <p id="token-label-hint" class="hint">"Who or what will use it; the activity page names callers by it."</p>
            <p id="token-label-error" class="field-error" role="alert">{shown_error("label")}</p>

            <label for="token-role">"Role"</label>
            <select id="token-role" aria-describedby="token-role-hint"
                on:change=move |ev| {
                    if let Some(r) = Role::parse(&event_target_value(&ev)) {
                        form.update(|f| f.role = r);
                        api_error.set(None);
                    }
                }>
                {Role::ALL.into_iter().map(role_option).collect_view()}
            </select>
            <p id="token-role-hint" class="hint">{move || format!("A {} {}.", form.get().role.as_str(), role_hint(form.get().role))}</p>
            <p id="token-role-error" class="field-error" role="alert">{shown_error("role")}</p>

            <label for="token-scope">"Scope (optional)"</label>
            <textarea id="token-scope" rows="2" spellcheck="false" placeholder="team-a-*, ci-pull"
                aria-describedby="token-scope-hint token-scope-error"
                prop:value=move || form.get().scope on:input=set(|f, v| f.scope = v)></textarea>
            <p id="token-scope-hint" class="hint">"Secret names, or patterns with * for any run of characters (team-a-*), separated by commas or new lines. The token then sees only those secrets. Leave it empty for every secret."</p>
            <p id="token-scope-error" class="field-error" role="alert">{shown_error("scope")}</p>

            <label for="token-expires">"Expires (optional)"</label>
            <div class="row expiry">
                <input id="token-expires" type="date" aria-describedby="token-expires-hint token-expires-error"
                    prop:value=move || form.get().expires on:input=set(|f, v| f.expires = v)/>
            </div>
            <p id="token-expires-hint" class="hint">"The token stops working at 00:00 UTC that day. Leave it empty for a token that does not expire."</p>
            <p id="token-expires-error" class="field-error" role="alert">{shown_error("expires")}</p>

            <p id="token-form-error" class="field-error" role="alert">{shown_error("form")}</p>
            <button type="submit" id="token-create" disabled=move || busy.get()>
                {move || if busy.get() { "Creating…" } else { "Create token" }}
            </button>
        </form>
    }
}
