//! Workload identities, for admins: the trust rules in the order they are
//! tried, a form checked by the API's rules as it is typed, and remove.

use leptos::prelude::*;
use shared::workload::WorkloadIdentity;
use shared::Action;

use crate::api::{self, CallError};
use crate::browser;
use crate::identities::RuleForm;
use crate::pages::gate::RequireRole;
use crate::session::use_ctx;

#[component]
pub fn Identities() -> impl IntoView {
    browser::set_title("Workload identities");
    view! {
        <RequireRole needs=Action::ManageIdentities what="manage workload identities" id="identities-forbidden">
            <IdentityAdmin/>
        </RequireRole>
    }
}

#[component]
fn IdentityAdmin() -> impl IntoView {
    let ctx = use_ctx();
    let list = RwSignal::new(None::<Result<Vec<WorkloadIdentity>, CallError>>);
    let load = move || {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            list.set(Some(api::identities(&token).await));
        });
    };
    load();
    let form = RwSignal::new(RuleForm::default());
    let touched = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let shown_problem = move || {
        problem.get().or_else(|| {
            touched
                .get()
                .then(|| form.with(RuleForm::body).err())
                .flatten()
        })
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        let Ok(body) = form.with_untracked(RuleForm::body) else {
            return;
        };
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            match api::add_identity(&token, &body).await {
                Ok(made) => {
                    notice.set(Some(format!(
                        "Added workload identity {}.",
                        made.rule.label
                    )));
                    form.set(RuleForm::default());
                    touched.set(false);
                    load();
                }
                Err(e) => problem.set(Some(e.message)),
            }
        });
    };
    let remove = move |id: String| {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            notice.set(Some(match api::remove_identity(&token, &id).await {
                Ok(_) => format!("Removed workload identity {id}."),
                Err(e) => e.message,
            }));
            load();
        });
    };
    let set = move |f: fn(&mut RuleForm, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            form.update(|s| f(s, v));
            problem.set(None);
            touched.set(true);
        }
    };
    view! {
        <h1>"Workload identities"</h1>
        <p class="hint">"A CI job or a pod presents its own OIDC token instead of a stored one. A token whose issuer, audience and claims match a rule signs in with that rule's role and scope; rules are tried in this order."</p>
        {move || notice.get().map(|n| view! { <p class="flash" role="status" id="notice">{n}</p> })}
        <form class="card" on:submit=add novalidate>
            <label for="rule-label">"Label"</label>
            <input id="rule-label" autocomplete="off" prop:value=move || form.get().label on:input=set(|f, v| f.label = v)/>
            <label for="rule-issuer">"Issuer (the token's iss)"</label>
            <input id="rule-issuer" type="url" placeholder="https://token.actions.githubusercontent.com" autocomplete="off"
                prop:value=move || form.get().issuer on:input=set(|f, v| f.issuer = v)/>
            <label for="rule-audience">"Audience"</label>
            <input id="rule-audience" autocomplete="off" prop:value=move || form.get().audience on:input=set(|f, v| f.audience = v)/>
            <label for="rule-claims">"Claims, one name=glob a line (* matches any run of characters)"</label>
            <textarea id="rule-claims" rows="3" spellcheck="false" placeholder="repository=acme/team-a-*&#10;ref=refs/heads/main"
                prop:value=move || form.get().claims on:input=set(|f, v| f.claims = v)></textarea>
            <label for="rule-role">"Role"</label>
            <select id="rule-role" on:change=set(|f, v| f.role = v)>
                {["puller", "viewer", "editor"].into_iter().map(|r| view! {
                    <option value=r prop:selected=move || form.get().role == r>{r}</option>
                }).collect_view()}
            </select>
            <label for="rule-scope">"Scope (secret-name patterns, comma-separated; empty: every secret)"</label>
            <input id="rule-scope" autocomplete="off" placeholder="team-a-*" prop:value=move || form.get().scope on:input=set(|f, v| f.scope = v)/>
            <p id="rule-error" class="field-error" role="alert">{shown_problem}</p>
            <button type="submit">"Add rule"</button>
        </form>
        {move || match list.get() {
            None => view! { <p class="pending" aria-busy="true">"Loading rules…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
            Some(Ok(all)) if all.is_empty() => view! { <p id="no-identities">"No workload identities yet."</p> }.into_any(),
            Some(Ok(all)) => view! {
                <table class="cards" id="identities">
                    <thead><tr><th scope="col">"Label"</th><th scope="col">"Issuer"</th><th scope="col">"Claims"</th><th scope="col">"Role"</th><th scope="col">"Scope"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                    <tbody>
                        {all.into_iter().map(|WorkloadIdentity { id, rule: r }| {
                            let claims = r.claims_text(", ");
                            let scope = r.scope.as_ref().map_or_else(|| "every secret".into(), |s| s.to_string());
                            view! {
                                <tr>
                                    <td data-label="Label">{r.label.clone()}</td>
                                    <td data-label="Issuer">{r.issuer.clone()}</td>
                                    <td data-label="Claims">{claims}</td>
                                    <td data-label="Role">{r.role.as_str()}</td>
                                    <td data-label="Scope">{scope}</td>
                                    <td class="actions"><button type="button" class="small danger" on:click=move |_| remove(id.clone())>"Remove"</button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
    }
}
