//! The secrets list: filter, paging (in the browser for a small store, by
//! the API for a big one), delete with a confirmation that names the
//! secret, and an empty state that explains what a pull secret is.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::api::SecretStatus;

use crate::api::{self, CallError};
use crate::browser;
use crate::listing::{
    expiry_label, first_window, from_first, health_label, page_window, short_time, shown_with, Rows,
};
use crate::pages::deleted::undelete_notice;
use crate::pages::gate::RequireRole;
use crate::pages::widgets::CredentialDownloads;
use crate::session::use_ctx;

#[component]
pub fn Secrets() -> impl IntoView {
    browser::set_title("Pull secrets");
    view! { <RequireRole needs=shared::Action::List what="list secrets"><SecretList/></RequireRole> }
}

/// Which request to make: the first (whole store or its first page), or
/// one page of a store the API pages.
#[derive(Clone, Copy)]
enum Load {
    First,
    Page(usize),
}

#[derive(Clone, PartialEq)]
enum Phase {
    Loading,
    Failed(String),
    Empty,
    Table,
}

#[component]
fn SecretList() -> impl IntoView {
    let ctx = use_ctx();
    let rows = RwSignal::new(None::<Result<Rows, CallError>>);
    let busy = RwSignal::new(false);
    // Only the newest request may fill the table; older answers are dropped.
    let latest = StoredValue::new(0u64);
    let load = move |what: Load| {
        let token = ctx.token();
        let ticket = latest.get_value() + 1;
        latest.set_value(ticket);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let (top, skip) = match what {
                Load::First => first_window(),
                Load::Page(i) => page_window(i),
            };
            let answer = api::list(&token, top, skip).await.map(|list| match what {
                Load::First => from_first(list),
                Load::Page(index) => Rows::Paged {
                    total: list.count,
                    index,
                    rows: list.resources,
                },
            });
            if latest.get_value() == ticket {
                rows.set(Some(answer));
                busy.set(false);
            }
        });
    };
    load(Load::First);
    let reload = move || match rows.get_untracked() {
        Some(Ok(Rows::Paged { index, rows, .. })) if rows.len() <= 1 && index > 0 => {
            load(Load::Page(index - 1))
        }
        Some(Ok(Rows::Paged { index, .. })) => load(Load::Page(index)),
        _ => load(Load::First),
    };
    let query = RwSignal::new(String::new());
    // "Needs attention": only the secrets failing or expiring soon.
    let attention = RwSignal::new(false);
    let local_page = RwSignal::new(0usize);
    let confirm = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    // The secret last deleted here, which one click brings back.
    let undo = RwSignal::new(None::<String>);
    let do_undo = move |_| {
        let Some(name) = undo.get_untracked() else {
            return;
        };
        let token = ctx.token();
        undo.set(None);
        leptos::task::spawn_local(async move {
            notice.set(Some(undelete_notice(&token, &name).await));
            reload();
        });
    };
    let do_delete = Callback::new(move |name: String| {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            match api::delete(&token, &name).await {
                Ok(_) => {
                    notice.set(Some(format!("Deleted \"{name}\".")));
                    undo.set(Some(name.clone()));
                }
                Err(e) => notice.set(Some(format!("Could not delete \"{name}\": {}", e.message))),
            }
            confirm.set(None);
            reload();
        });
    });
    // The table is built once and its rows replaced, so a page turn keeps
    // the focus on the button that asked for it.
    let phase = Memo::new(move |_| {
        rows.with(|r| match r {
            None => Phase::Loading,
            Some(Err(e)) => Phase::Failed(e.message.clone()),
            Some(Ok(Rows::Whole(all))) if all.is_empty() => Phase::Empty,
            Some(Ok(_)) => Phase::Table,
        })
    });
    let paged = move || rows.with(|r| matches!(r, Some(Ok(Rows::Paged { .. }))));
    // Recomputed per use rather than memoized: at most WHOLE_MAX rows, and
    // one reactive type less in the wasm.
    let view_of = move || {
        rows.with(|r| match r {
            Some(Ok(r)) => Some(shown_with(
                r,
                &query.get(),
                attention.get(),
                local_page.get(),
            )),
            _ => None,
        })
    };
    let turn = move |step: isize| {
        let Some(v) = untrack(view_of) else {
            return;
        };
        let next = v.page.saturating_add_signed(step).min(v.pages - 1);
        if paged() {
            load(Load::Page(next));
        } else {
            local_page.set(next);
        }
    };
    view! {
        <div class="page-head">
            <h1>"Pull secrets"</h1>
            <Show when=move || ctx.offers().create>
                <div class="row">
                    <A href="/secrets/new" attr:class="button">"Create"</A>
                    <A href="/import" attr:class="button secondary">"Import config.json"</A>
                </div>
            </Show>
        </div>
        {move || ctx.session.get().and_then(|s| s.scope).map(|scope| view! {
            <p class="hint" id="scope-hint">"This session sees only the secrets whose names match " <code>{scope.to_string()}</code> "."</p>
        })}
        {move || ctx.flash.get().map(|f| view! {
            <div class="flash" role="status" id="flash">
                <p>{f.message.clone()} " "
                   <button type="button" class="small" on:click=move |_| ctx.flash.set(None)>"Dismiss"</button></p>
                {f.held.clone().map(|(name, config)| view! { <CredentialDownloads name=name config=config/> })}
            </div>
        })}
        {move || notice.get().map(|n| view! {
            <p class="flash" role="status" id="notice">{n} " "
                <Show when=move || undo.get().is_some()>
                    <button type="button" class="small" id="undo-delete" on:click=do_undo>"Undo"</button>
                </Show>
            </p>
        })}
        <label for="filter">{move || if paged() { "Filter this page by name or registry" } else { "Filter by name or registry" }}</label>
        <input id="filter" type="search" placeholder="e.g. ghcr" prop:value=move || query.get()
            on:input=move |ev| { query.set(event_target_value(&ev)); local_page.set(0); }/>
        <label class="choice" for="needs-attention">
            <input type="checkbox" id="needs-attention" prop:checked=move || attention.get()
                on:change=move |ev| { attention.set(event_target_checked(&ev)); local_page.set(0); }/>
            "Needs attention (failing or expiring soon)"
        </label>
        {move || match phase.get() {
            Phase::Loading => view! { <p class="pending" aria-busy="true">"Loading secrets…"</p> }.into_any(),
            Phase::Failed(message) => view! { <p class="error" role="alert">"Could not load the secrets: " {message}</p> }.into_any(),
            Phase::Empty => view! { <EmptyState/> }.into_any(),
            Phase::Table => view! {
                <table class="secrets cards" aria-busy=move || busy.get().to_string()>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Registries"</th><th scope="col">"Created"</th><th scope="col">"Modified"</th><th scope="col">"Expires"</th><th scope="col">"Health"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                    <tbody>
                        <For each=move || view_of().map(|v| v.rows).unwrap_or_default() key=|s| s.name.clone() let:s>
                            <Row s=s confirm=confirm on_delete=do_delete/>
                        </For>
                    </tbody>
                </table>
                <p class="hint" id="list-summary">{move || view_of().map(|v| v.summary)}</p>
                <nav class="pager" aria-label="Pages">
                    <button type="button" disabled=move || busy.get() || view_of().is_none_or(|v| v.page == 0) on:click=move |_| turn(-1)>"Previous"</button>
                    <span id="page-of">{move || view_of().map(|v| format!("Page {} of {}", v.page + 1, v.pages))}</span>
                    <button type="button" disabled=move || busy.get() || view_of().is_none_or(|v| v.page + 1 >= v.pages) on:click=move |_| turn(1)>"Next"</button>
                </nav>
            }.into_any(),
        }}
        <p><A href="/deleted" attr:id="deleted-link">"Deleted secrets"</A></p>
    }
}

#[component]
fn Row(
    s: SecretStatus,
    confirm: RwSignal<Option<String>>,
    on_delete: Callback<String>,
) -> impl IntoView {
    let ctx = use_ctx();
    let name = s.name.clone();
    let confirming = {
        let name = name.clone();
        move || confirm.get().as_deref() == Some(name.as_str())
    };
    let ask = {
        let n = name.clone();
        view! {
            <Show when=move || ctx.offers().delete>
                {let n = n.clone(); view! {
                    <button type="button" class="small danger" aria-label=format!("Delete {n}")
                        on:click=move |_| confirm.set(Some(n.clone()))>"Delete"</button>
                }}
            </Show>
        }
    };
    // The question gets its own row under the secret's, so the table
    // keeps its width and the dates their line.
    let question = {
        let n = name.clone();
        move || {
            confirming().then(|| {
                let m = n.clone();
                view! {
                    <tr class="confirm-row">
                        <td colspan="6">
                            <span class="confirm" role="alertdialog" aria-label="Confirm delete">
                                {format!("Delete \"{n}\"? Deployments can no longer pull with it; it stays under Deleted secrets for a while. ")}
                                <button type="button" class="small danger" on:click=move |_| on_delete.run(m.clone())>{format!("Delete {n}")}</button>
                                <button type="button" class="small" on:click=move |_| confirm.set(None)>"Cancel"</button>
                            </span>
                        </td>
                    </tr>
                }
            })
        }
    };
    view! {
        <tr>
            <td data-label="Name" class="name"><A href=format!("/secrets/{name}")>{name.clone()}</A></td>
            <td data-label="Registries" class="registries">{s.registries.join(", ")}
                {crate::listing::source_label(&s).map(|label| view! { <span class="badge source">{label}</span> })}</td>
            <td data-label="Created" class="time">{short_time(&s.created_at)}</td>
            <td data-label="Modified" class="time">{short_time(&s.modified_at)}</td>
            <td data-label="Expires">{ let (text, class) = expiry_label(&s); view! { <span class=class>{text}</span> } }</td>
            <td data-label="Health" class="health">{ let (text, class) = health_label(&s); view! { <span class=class>{text}</span> } }</td>
            <td class="actions">{ask}</td>
        </tr>
        {question}
    }
}

#[component]
fn EmptyState() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <section class="empty" id="empty-state">
            <h2>"No pull secrets yet"</h2>
            <p>"A pull secret holds a registry address and the username and password a deployment needs to pull private images. Store one here once, and every deployer can reference it by name."</p>
            <Show when=move || ctx.offers().create
                fallback=|| view! { <p class="hint">"Your role reads secrets; an editor creates them."</p> }>
                <div class="row">
                    <A href="/secrets/new" attr:class="button">"Create"</A>
                    <A href="/import" attr:class="button secondary">"Import config.json"</A>
                </div>
            </Show>
        </section>
    }
}
