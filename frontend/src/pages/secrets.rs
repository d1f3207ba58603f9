//! The secrets list: filter, paging, delete with a confirmation that names
//! the secret, and an empty state that explains what a pull secret is.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::api::SecretStatus;

use crate::api;
use crate::listing::{expiry_label, filter, page, page_count, short_time};
use crate::pages::gate::RequireSession;
use crate::pages::widgets::CredentialDownloads;
use crate::session::use_ctx;

#[component]
pub fn Secrets() -> impl IntoView {
    view! { <RequireSession><SecretList/></RequireSession> }
}

#[component]
fn SecretList() -> impl IntoView {
    let ctx = use_ctx();
    let items = LocalResource::new(move || {
        let token = ctx.token();
        async move { api::list(&token).await }
    });
    let query = RwSignal::new(String::new());
    let page_index = RwSignal::new(0usize);
    let confirm = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let do_delete = Callback::new(move |name: String| {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            match api::delete(&token, &name).await {
                Ok(_) => notice.set(Some(format!("Deleted \"{name}\"."))),
                Err(e) => notice.set(Some(format!("Could not delete \"{name}\": {}", e.message))),
            }
            confirm.set(None);
            items.refetch();
        });
    });
    view! {
        <div class="page-head">
            <h1>"Pull secrets"</h1>
            <Show when=move || ctx.can_write()>
                <div class="row">
                    <A href="/secrets/new" attr:class="button">"Create"</A>
                    <A href="/import" attr:class="button secondary">"Import config.json"</A>
                </div>
            </Show>
        </div>
        {move || ctx.flash.get().map(|f| view! {
            <div class="flash" role="status" id="flash">
                <p>{f.message.clone()} " "
                   <button type="button" class="small" on:click=move |_| ctx.flash.set(None)>"Dismiss"</button></p>
                {f.held.clone().map(|(name, config)| view! { <CredentialDownloads name=name config=config/> })}
            </div>
        })}
        {move || notice.get().map(|n| view! { <p class="flash" role="status" id="notice">{n}</p> })}
        <label for="filter">"Filter by name or registry"</label>
        <input id="filter" type="search" placeholder="e.g. ghcr" prop:value=move || query.get()
            on:input=move |ev| { query.set(event_target_value(&ev)); page_index.set(0); }/>
        <Suspense fallback=|| view! { <p class="pending" aria-busy="true">"Loading secrets…"</p> }>
            {move || items.get().map(|result| match result {
                Err(e) => view! { <p class="error" role="alert">"Could not load the secrets: " {e.message}</p> }.into_any(),
                Ok(list) if list.resources.is_empty() => view! { <EmptyState/> }.into_any(),
                Ok(list) => {
                    let all = list.resources;
                    let shown = Signal::derive(move || filter(&all, &query.get()));
                    view! {
                        <table class="secrets">
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Registries"</th><th scope="col">"Created"</th><th scope="col">"Modified"</th><th scope="col">"Expires"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                            <tbody>
                                <For each=move || page(&shown.get(), page_index.get()).to_vec() key=|s| s.name.clone() let:s>
                                    <Row s=s confirm=confirm on_delete=do_delete/>
                                </For>
                            </tbody>
                        </table>
                        <p class="hint">{move || format!("{} shown", shown.get().len())}</p>
                        <nav class="pager" aria-label="Pages">
                            <button type="button" disabled=move || page_index.get() == 0 on:click=move |_| page_index.update(|p| *p -= 1)>"Previous"</button>
                            <span>{move || format!("Page {} of {}", page_index.get() + 1, page_count(shown.get().len()))}</span>
                            <button type="button" disabled={move || page_index.get() + 1 >= page_count(shown.get().len())} on:click=move |_| page_index.update(|p| *p += 1)>"Next"</button>
                        </nav>
                    }.into_any()
                }
            })}
        </Suspense>
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
    let actions = {
        let name = name.clone();
        move || {
            let n = name.clone();
            if !ctx.can_write() {
                ().into_any()
            } else if confirm.get().as_deref() == Some(n.as_str()) {
                let m = n.clone();
                view! {
                    <span class="confirm" role="alertdialog" aria-label="Confirm delete">
                        {format!("Delete \"{n}\"? This cannot be undone. ")}
                        <button type="button" class="small danger" on:click=move |_| on_delete.run(m.clone())>{format!("Delete {n}")}</button>
                        <button type="button" class="small" on:click=move |_| confirm.set(None)>"Cancel"</button>
                    </span>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="small danger" aria-label=format!("Delete {n}")
                        on:click=move |_| confirm.set(Some(n.clone()))>"Delete"</button>
                }
                .into_any()
            }
        }
    };
    view! {
        <tr>
            <td><A href=format!("/secrets/{name}")>{name.clone()}</A></td>
            <td>{s.registries.join(", ")}</td>
            <td>{short_time(&s.created_at)}</td>
            <td>{short_time(&s.modified_at)}</td>
            <td>{ let (text, class) = expiry_label(&s); view! { <span class=class>{text}</span> } }</td>
            <td class="actions">{actions}</td>
        </tr>
    }
}

#[component]
fn EmptyState() -> impl IntoView {
    view! {
        <section class="empty" id="empty-state">
            <h2>"No pull secrets yet"</h2>
            <p>"A pull secret holds a registry address and the username and password a deployment needs to pull private images. Store one here once, and every deployer can reference it by name."</p>
            <div class="row">
                <A href="/secrets/new" attr:class="button">"Create"</A>
                <A href="/import" attr:class="button secondary">"Import config.json"</A>
            </div>
        </section>
    }
}
