//! Import a Docker `config.json`: one row per registry, importable or not
//! (and why), with editable suggested names checked as they are typed, how
//! many fit in the quota (only those start checked), and a per-row result.

use leptos::prelude::*;
use shared::{classify, helper_command, ImportStatus, SecretName};
use wasm_bindgen::JsCast;

use crate::form::name_error;
use crate::import_plan::{over_quota, preselect, quota_line, Drawn, Quota, Room};
use crate::pages::gate::RequireRole;
use crate::session::use_ctx;
use crate::{api, browser};

/// One registry of the file and what the user chose for it. What the user
/// changes is a signal per row, so a change redraws that row only (a file
/// may list thousands).
#[derive(Clone)]
struct Row {
    /// Which paste the row belongs to, and its place: the key of its view.
    key: (u64, usize),
    server: String,
    status: ImportStatus,
    selected: RwSignal<bool>,
    name: RwSignal<String>,
    result: RwSignal<Option<Result<String, String>>>,
}

impl Row {
    fn importable(&self) -> bool {
        matches!(self.status, ImportStatus::Importable { .. })
    }
}

#[component]
pub fn Import() -> impl IntoView {
    browser::set_title("Import");
    view! { <RequireRole needs=shared::Action::Create what="import secrets"><Importer/></RequireRole> }
}

#[component]
fn Importer() -> impl IntoView {
    let ctx = use_ctx();
    let text = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let rows = RwSignal::new(Vec::<Row>::new());
    let generation = StoredValue::new(0u64);
    let done = RwSignal::new(0usize);
    let total = RwSignal::new(0usize);
    let running = RwSignal::new(false);
    let refused = RwSignal::new(None::<String>);
    let quota = RwSignal::new(Quota::Asking);
    let drawn = RwSignal::new(Drawn::default());
    {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            let known = match api::quota(&token).await {
                Ok(q) => Room::of(&q).map_or(Quota::Unknown, Quota::Known),
                Err(_) => Quota::Unknown,
            };
            quota.set(known);
            // Rows read before the answer are checked now, as they fit.
            let checked = rows.with_untracked(|all| check_as_fit(all, known));
            drawn.update(|d| *d = d.rechecked(&checked));
        });
    }

    let analyse = move |input: String| {
        text.set(input.clone());
        refused.set(None);
        let generation = {
            let g = generation.get_value() + 1;
            generation.set_value(g);
            g
        };
        match classify(&input) {
            Ok(found) => {
                problem.set(if found.is_empty() {
                    Some("This file lists no registries.".into())
                } else {
                    None
                });
                let all: Vec<Row> = found
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let name = match &r.status {
                            ImportStatus::Importable { suggested_name, .. } => {
                                suggested_name.to_string()
                            }
                            _ => String::new(),
                        };
                        Row {
                            key: (generation, i),
                            server: r.server,
                            status: r.status,
                            selected: RwSignal::new(false),
                            name: RwSignal::new(name),
                            result: RwSignal::new(None),
                        }
                    })
                    .collect();
                drawn.set(Drawn::new(&check_as_fit(&all, quota.get_untracked())));
                rows.set(all);
            }
            Err(e) => {
                problem.set(Some(format!("This is not a Docker config.json: {e}")));
                rows.set(Vec::new());
            }
        }
    };
    let on_file = move |ev: leptos::ev::Event| {
        let file = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0));
        if let Some(file) = file {
            leptos::task::spawn_local(async move {
                if let Some(t) = crate::browser::read_file(file).await {
                    analyse(t)
                }
            });
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            leptos::task::spawn_local(async move {
                if let Some(t) = crate::browser::read_file(file).await {
                    analyse(t)
                }
            });
        }
    };
    let checked = move || {
        rows.with(|all| {
            all.iter()
                .filter(|r| r.importable() && r.selected.get())
                .count()
        })
    };
    let importable = move || rows.with(|all| all.iter().filter(|r| r.importable()).count());
    // Rows are checked once the quota answers; until then there is nothing to run.
    let asking = move || quota.get() == Quota::Asking;
    let run = move |_| {
        let chosen: Vec<Row> = rows.with_untracked(|all| {
            all.iter()
                .filter(|r| r.importable() && r.selected.get_untracked())
                .cloned()
                .collect()
        });
        // A bad name is shown at its field as it is typed; the run starts
        // only once every checked row has a good one, so nothing is half done.
        let bad = chosen
            .iter()
            .filter(|r| r.name.with_untracked(|n| SecretName::parse(n).is_err()))
            .count();
        if bad > 0 {
            refused.set(Some(format!(
                "{bad} checked {} a secret name that is not valid (marked above): fix or uncheck {}, then import.",
                if bad == 1 { "row has" } else { "rows have" },
                if bad == 1 { "it" } else { "them" }
            )));
            return;
        }
        refused.set(None);
        total.set(chosen.len());
        done.set(0);
        running.set(true);
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            for row in chosen {
                let outcome = import_one(&token, &row).await;
                row.result.set(Some(outcome));
                done.update(|d| *d += 1);
            }
            running.set(false);
        });
    };
    view! {
        <h1>"Import a Docker config.json"</h1>
        <p>"Paste the content of "<code>"~/.docker/config.json"</code>", pick the file, or drop it below. It is read in your browser; only the rows you import are sent, one secret per registry."</p>
        <div class="dropzone" id="dropzone" on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <label for="config-file">"Choose or drop a config.json"</label>
            <input id="config-file" type="file" accept=".json,application/json" on:change=on_file/>
        </div>
        <label for="config-text">"…or paste it"</label>
        <textarea id="config-text" rows="8" spellcheck="false" prop:value=move || text.get()
            on:input=move |ev| analyse(event_target_value(&ev))></textarea>
        {move || problem.get().map(|p| view! { <p class="field-error" role="alert" id="import-problem">{p}</p> })}
        <Show when=move || !rows.with(Vec::is_empty)>
            <p id="import-quota" class="hint">{move || quota_line(importable(), quota.get())}</p>
            <table class="import cards" id="import-rows">
                <thead><tr><th scope="col">"Import"</th><th scope="col">"Registry"</th><th scope="col">"Secret name"</th></tr></thead>
                <tbody>
                    <For each=move || rows.with(|r| r.iter().take(drawn.get().limit()).cloned().collect::<Vec<_>>()) key=|r| r.key let:row>
                        <ImportRowView row=row/>
                    </For>
                </tbody>
            </table>
            {move || {
                let more = rows.with(Vec::len).saturating_sub(drawn.get().limit());
                (more > 0).then(|| view! {
                    <p class="hint" id="import-more">{format!("{more} more registries are not shown (none of them is checked). ")}
                        <button type="button" class="small" id="import-show-all" on:click=move |_| drawn.update(|d| *d = d.all())>"Show all"</button></p>
                })
            }}
            {move || over_quota(checked(), quota.get()).map(|w| view! { <p class="warning" role="alert" id="import-over-quota">{w}</p> })}
            {move || refused.get().map(|w| view! { <p class="field-error" role="alert" id="import-refused">{w}</p> })}
            <div class="row">
                <button type="button" id="import-run" disabled=move || running.get() || asking() on:click=run>
                    {move || format!("Import {} selected", checked())}
                </button>
                <progress id="import-progress" max=move || total.get().max(1) value=move || done.get()></progress>
                <span id="import-count">{move || format!("{} of {}", done.get(), total.get())}</span>
            </div>
        </Show>
    }
}

/// Checks the importable rows that fit, and unchecks the rest; answers
/// which rows are checked.
fn check_as_fit(rows: &[Row], quota: Quota) -> Vec<bool> {
    let flags: Vec<bool> = rows.iter().map(Row::importable).collect();
    let checked = preselect(&flags, quota);
    for (row, on) in rows.iter().zip(&checked) {
        row.selected.set(*on);
    }
    checked
}

async fn import_one(token: &str, row: &Row) -> Result<String, String> {
    let Ok(name) = SecretName::parse(&row.name.get_untracked()) else {
        return Err("not imported".into());
    };
    let Some(config) = (shared::ImportRow {
        server: row.server.clone(),
        status: row.status.clone(),
    })
    .dockerconfig() else {
        return Err("not importable".into());
    };
    match api::create(token, name.as_str(), &config.to_json(), None).await {
        Ok(_) => Ok(format!("created \"{name}\"")),
        Err(e) if e.status == 409 => Err(format!("\"{name}\" already exists; not overwritten")),
        Err(e) => Err(e.message),
    }
}

#[component]
fn ImportRowView(row: Row) -> impl IntoView {
    let importable = row.importable();
    let status = match &row.status {
        ImportStatus::Importable { entry, warnings, .. } => {
            let mut s = format!("importable: user \"{}\"", entry.credentials.username);
            for w in warnings {
                s.push_str(&format!(" (note: {w})"));
            }
            view! { <span class="ok">{s}</span> }.into_any()
        }
        ImportStatus::InHelper { helper } => view! {
            <span class="helper">{format!("credentials held by helper \"{helper}\"; print them with ")}
                <code>{helper_command(helper, &row.server)}</code></span>
        }
        .into_any(),
        ImportStatus::Invalid { reason } => {
            view! { <span class="err">{format!("invalid: {reason}")}</span> }.into_any()
        }
    };
    let (selected, name, result) = (row.selected, row.name, row.result);
    let server = row.server.clone();
    let result_text = move || match result.get() {
        None => String::new(),
        Some(Ok(m)) => format!("✓ {m}"),
        Some(Err(m)) => format!("✗ {m}"),
    };
    view! {
        <tr>
            <td class="pick"><input type="checkbox" aria-label=format!("Import {server}") disabled=!importable prop:checked=move || selected.get()
                on:change=move |ev| selected.set(event_target_checked(&ev))/></td>
            <td class="registry" data-label="Registry"><strong>{server.clone()}</strong><br/>{status}</td>
            <td class="name" data-label="Secret name">{importable.then(|| view! {
                <input aria-label=format!("Secret name for {server}") spellcheck="false" autocomplete="off" prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
                <span class="field-error">{move || name.with(|n| name_error(n))}</span>
            })}<span class="result">{result_text}</span></td>
        </tr>
    }
}
