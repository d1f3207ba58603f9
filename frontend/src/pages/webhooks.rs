//! Webhooks, for admins: the receivers of the health events (never their
//! secrets), an add form, the signing secret shown once after an add, a
//! test event, remove, and each receiver's deliveries. The secret lives
//! only in this page's state and is never stored.

use leptos::prelude::*;
use shared::api::{CreateWebhookRequest, CreatedWebhook, DeliveryInfo, WebhookInfo};
use shared::Action;

use crate::api::{self, CallError};
use crate::browser;
use crate::listing::short_time;
use crate::pages::gate::RequireRole;
use crate::session::use_ctx;

#[component]
pub fn Webhooks() -> impl IntoView {
    browser::set_title("Webhooks");
    view! {
        <RequireRole needs=Action::ManageWebhooks what="manage webhooks" id="webhooks-forbidden">
            <WebhookAdmin/>
        </RequireRole>
    }
}

#[component]
fn WebhookAdmin() -> impl IntoView {
    let ctx = use_ctx();
    let list = RwSignal::new(None::<Result<Vec<WebhookInfo>, CallError>>);
    let load = move || {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            list.set(Some(api::webhooks(&token).await.map(|l| l.resources)));
        });
    };
    load();
    let url = RwSignal::new(String::new());
    let slack = RwSignal::new(false);
    let created = RwSignal::new(None::<CreatedWebhook>);
    let problem = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let deliveries = RwSignal::new(None::<(String, Result<Vec<DeliveryInfo>, CallError>)>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreateWebhookRequest {
            url: url.get_untracked().trim().to_owned(),
            events: None,
            format: slack.get_untracked().then(|| "slack".to_owned()),
        };
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            match api::add_webhook(&token, &body).await {
                Ok(made) => {
                    problem.set(None);
                    url.set(String::new());
                    created.set(Some(made));
                    load();
                }
                Err(e) => problem.set(Some(e.message)),
            }
        });
    };
    let act = move |id: String, remove: bool| {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            let answer = if remove {
                api::remove_webhook(&token, &id).await
            } else {
                api::test_webhook(&token, &id).await
            };
            notice.set(Some(match answer {
                Ok(_) if remove => format!("Removed webhook {id}."),
                Ok(_) => format!("A webhook.test event is on its way to {id}."),
                Err(e) => e.message,
            }));
            load();
        });
    };
    let show_deliveries = move |id: String| {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            let got = api::deliveries(&token, &id).await.map(|l| l.resources);
            deliveries.set(Some((id, got)));
        });
    };
    view! {
        <h1>"Webhooks"</h1>
        <p class="hint">"Receivers are told when a secret starts failing, recovers, nears or passes its expiry. Each event is signed per Standard Webhooks with the receiver's secret, and retried until it is delivered."</p>
        {move || notice.get().map(|n| view! { <p class="flash" role="status" id="notice">{n}</p> })}
        {move || created.get().map(|c| view! {
            <div class="card created-token" id="created-webhook">
                <p><strong>"Webhook " {c.id.clone()} " added."</strong> " Its signing secret is shown this once: verify each delivery's " <code>"webhook-signature"</code> " with it."</p>
                <input id="webhook-secret" readonly prop:value=c.secret.clone()/>
            </div>
        })}
        <form class="card" on:submit=add novalidate>
            <label for="webhook-url">"Receiver URL (https)"</label>
            <input id="webhook-url" type="url" placeholder="https://hooks.example.com/regcred" autocomplete="off"
                prop:value=move || url.get() on:input=move |ev| { url.set(event_target_value(&ev)); problem.set(None); }/>
            <label class="choice" for="webhook-slack">
                <input type="checkbox" id="webhook-slack" prop:checked=move || slack.get()
                    on:change=move |ev| slack.set(event_target_checked(&ev))/>
                "A Slack incoming webhook (posts a message a person can act on)"
            </label>
            <p id="webhook-error" class="field-error" role="alert">{move || problem.get()}</p>
            <button type="submit">"Add webhook"</button>
        </form>
        {move || match list.get() {
            None => view! { <p class="pending" aria-busy="true">"Loading webhooks…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
            Some(Ok(all)) if all.is_empty() => view! { <p id="no-webhooks">"No webhooks yet."</p> }.into_any(),
            Some(Ok(all)) => view! {
                <table class="cards" id="webhooks">
                    <thead><tr><th scope="col">"URL"</th><th scope="col">"Format"</th><th scope="col">"Added"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                    <tbody>
                        {all.into_iter().map(|w| {
                            let (a, b, c) = (w.id.clone(), w.id.clone(), w.id.clone());
                            view! {
                                <tr>
                                    <td data-label="URL">{w.url.clone()}</td>
                                    <td data-label="Format">{w.format.clone()}</td>
                                    <td data-label="Added">{short_time(&w.created_at)}</td>
                                    <td class="actions">
                                        <button type="button" class="small" on:click=move |_| act(a.clone(), false)>"Send a test"</button>
                                        <button type="button" class="small" on:click=move |_| show_deliveries(b.clone())>"Deliveries"</button>
                                        <button type="button" class="small danger" on:click=move |_| act(c.clone(), true)>"Remove"</button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
        {move || deliveries.get().map(|(id, got)| match got {
            Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
            Ok(rows) => view! {
                <h2>"Deliveries to " {id}</h2>
                <table class="cards" id="deliveries">
                    <thead><tr><th scope="col">"Event"</th><th scope="col">"Sent"</th><th scope="col">"Attempts"</th><th scope="col">"Status"</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|d| view! {
                            <tr>
                                <td data-label="Event">{d.event.clone()}</td>
                                <td data-label="Sent">{short_time(&d.created_at)}</td>
                                <td data-label="Attempts">{d.attempts}</td>
                                <td data-label="Status">{format!("{} (HTTP {})", d.status, d.last_status)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        })}
    }
}
