//! Import a Docker `config.json`: one row per registry, importable or not
//! (and why), with editable suggested names and a per-row result.

use leptos::prelude::*;
use shared::{classify, helper_command, ImportStatus, SecretName};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::form::name_error;
use crate::pages::gate::RequireSession;
use crate::session::use_ctx;
use crate::{api, browser};

/// One registry of the file and what the user chose for it. Plain data in
/// one signal: rows are replaced whenever the input changes.
#[derive(Clone, PartialEq)]
struct Row {
    server: String,
    status: ImportStatus,
    selected: bool,
    name: String,
    result: Option<Result<String, String>>,
}

#[component]
pub fn Import() -> impl IntoView {
    browser::set_title("Import");
    view! { <RequireSession><Importer/></RequireSession> }
}

async fn read_file(file: web_sys::File) -> Option<String> {
    JsFuture::from(file.text()).await.ok()?.as_string()
}

#[component]
fn Importer() -> impl IntoView {
    let ctx = use_ctx();
    let text = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let rows = RwSignal::new(Vec::<Row>::new());
    let done = RwSignal::new(0usize);
    let total = RwSignal::new(0usize);
    let running = RwSignal::new(false);

    let analyse = move |input: String| {
        text.set(input.clone());
        match classify(&input) {
            Ok(found) => {
                problem.set(if found.is_empty() {
                    Some("This file lists no registries.".into())
                } else {
                    None
                });
                rows.set(
                    found
                        .into_iter()
                        .map(|r| {
                            let (selected, name) = match &r.status {
                                ImportStatus::Importable { suggested_name, .. } => {
                                    (true, suggested_name.to_string())
                                }
                                _ => (false, String::new()),
                            };
                            Row {
                                server: r.server,
                                status: r.status,
                                selected,
                                name,
                                result: None,
                            }
                        })
                        .collect(),
                );
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
                if let Some(t) = read_file(file).await {
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
                if let Some(t) = read_file(file).await {
                    analyse(t)
                }
            });
        }
    };
    let run = move |_| {
        let chosen: Vec<(usize, Row)> = rows
            .get_untracked()
            .into_iter()
            .enumerate()
            .filter(|(_, r)| r.selected && matches!(r.status, ImportStatus::Importable { .. }))
            .collect();
        total.set(chosen.len());
        done.set(0);
        running.set(true);
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            for (i, row) in chosen {
                let outcome = match (SecretName::parse(&row.name), &row.status) {
                    (Err(e), _) => Err(e.to_string()),
                    (Ok(name), ImportStatus::Importable { entry, .. }) => {
                        let json = shared::DockerConfig::single((**entry).clone()).to_json();
                        match api::create(&token, name.as_str(), &json, None).await {
                            Ok(_) => Ok(format!("created \"{name}\"")),
                            Err(e) if e.status == 409 => {
                                Err(format!("\"{name}\" already exists; not overwritten"))
                            }
                            Err(e) => Err(e.message),
                        }
                    }
                    (Ok(_), _) => Err("not importable".into()),
                };
                rows.update(|all| {
                    if let Some(r) = all.get_mut(i).filter(|r| r.server == row.server) {
                        r.result = Some(outcome);
                    }
                });
                done.update(|d| *d += 1);
            }
            running.set(false);
        });
    };
    let indices = move || (0..rows.with(|r| r.len())).collect::<Vec<usize>>();
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
        <Show when=move || !rows.get().is_empty()>
            <table class="import" id="import-rows">
                <thead><tr><th scope="col">"Import"</th><th scope="col">"Registry"</th><th scope="col">"Secret name"</th></tr></thead>
                <tbody>
                    <For each=indices key=|i| *i let:i>
                        <ImportRowView rows=rows i=i/>
                    </For>
                </tbody>
            </table>
            <div class="row">
                <button type="button" id="import-run" disabled=move || running.get() on:click=run>"Import selected"</button>
                <progress id="import-progress" max=move || total.get().max(1) value=move || done.get()></progress>
                <span id="import-count">{move || format!("{} of {}", done.get(), total.get())}</span>
            </div>
        </Show>
    }
}

#[component]
fn ImportRowView(rows: RwSignal<Vec<Row>>, i: usize) -> impl IntoView {
    let row = move || rows.with(|r| r.get(i).cloned());
    let edit = move |f: &dyn Fn(&mut Row)| {
        rows.update(|r| {
            if let Some(x) = r.get_mut(i) {
                f(x)
            }
        })
    };
    move || {
        row().map(|r| {
        let importable = matches!(r.status, ImportStatus::Importable { .. });
        let status = match &r.status {
            ImportStatus::Importable { entry, warnings, .. } => {
                let mut s = format!("importable: user \"{}\"", entry.credentials.username);
                for w in warnings { s.push_str(&format!(" (note: {w})")); }
                view! { <span class="ok">{s}</span> }.into_any()
            }
            ImportStatus::InHelper { helper } => view! {
                <span class="helper">{format!("credentials held by helper \"{helper}\"; print them with ")}
                    <code>{helper_command(helper, &r.server)}</code></span>
            }.into_any(),
            ImportStatus::Invalid { reason } => view! { <span class="err">{format!("invalid: {reason}")}</span> }.into_any(),
        };
        let result = match &r.result {
            None => String::new(),
            Some(Ok(m)) => format!("✓ {m}"),
            Some(Err(m)) => format!("✗ {m}"),
        };
        let name_problem = importable.then(|| name_error(&r.name)).flatten();
        view! {
            <tr>
                <td><input type="checkbox" aria-label=format!("Import {}", r.server) disabled=!importable prop:checked=r.selected
                    on:change=move |ev| { let on = event_target_checked(&ev); edit(&|x| x.selected = on) }/></td>
                <td class="registry"><strong>{r.server.clone()}</strong><br/>{status}</td>
                <td class="name">{importable.then(|| view! {
                    <input aria-label=format!("Secret name for {}", r.server) spellcheck="false" autocomplete="off" prop:value=r.name.clone()
                        on:change=move |ev| { let v = event_target_value(&ev); edit(&|x| x.name = v.clone()) }/>
                    <span class="field-error">{name_problem}</span>
                })}<span class="result">{result}</span></td>
            </tr>
        }
    })
    }
}
