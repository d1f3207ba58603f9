//! The offline decoder: works signed out and sends nothing anywhere.
//! What is pasted is told apart by `shared::paste` (see `crate::decode`).

use leptos::prelude::*;
use shared::paste::Found;
use shared::{helper_command, ImportRow, ImportStatus};

use crate::browser;
use crate::decode::{decode_input, Decoded};
use crate::pages::widgets::Masked;

#[component]
pub fn Decoder() -> impl IntoView {
    browser::set_title("Decoder");
    let text = RwSignal::new(String::new());
    let decoded = Memo::new(move |_| decode_input(&text.get()));
    view! {
        <h1>"Decode a token, config.json or pull secret"</h1>
        <p>"Paste a Docker "<code>"auth"</code>" value (base64 of username:password), a whole "<code>"config.json"</code>", the "<code>".dockerconfigjson"</code>" value of a Kubernetes Secret (base64 of JSON), or the whole Secret as "<code>"kubectl get secret NAME -o yaml"</code>" (or "<code>"-o json"</code>") prints it. Decoding happens in this page only: nothing is sent anywhere, and it works offline."</p>
        <label for="decode-input">"Token, config.json or Secret"</label>
        <textarea id="decode-input" rows="8" spellcheck="false" autocomplete="off"
            prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
        <div id="decode-result" aria-live="polite">
            {move || match decoded.get() {
                Decoded::Empty => view! { <p class="hint">"The result appears here."</p> }.into_any(),
                Decoded::Error(e) => view! { <p class="field-error" role="alert" id="decode-error">{e}</p> }.into_any(),
                Decoded::Token(c) => view! {
                    <dl class="meta">
                        <dt>"Username"</dt><dd><code id="decoded-user">{c.username.clone()}</code></dd>
                        <dt>"Password"</dt><dd><Masked value=c.password.clone() id="decoded-password"/></dd>
                    </dl>
                }.into_any(),
                Decoded::Configs(found) => configs(found).into_any(),
            }}
        </div>
    }
}

/// Every registry of every config found, in one table: a row per registry,
/// and for a Secret that could not be read, a row saying why.
fn configs(found: Vec<Found>) -> impl IntoView {
    let several = found.len() > 1;
    let sources = found
        .iter()
        .map(|f| f.source.clone())
        .collect::<Vec<_>>()
        .join("; ");
    let mut i = 0;
    let rows = found
        .into_iter()
        .flat_map(|f| {
            let secret = f.secret.clone().unwrap_or_default();
            let cell =
                move || several.then(|| view! { <td data-label="Secret">{secret.clone()}</td> });
            match f.rows {
                Err(why) => vec![view! {
                    <tr>{cell()}<td colspan="4" class="err" data-label="Problem">{why}</td></tr>
                }
                .into_any()],
                Ok(rows) => rows
                    .into_iter()
                    .map(|r| {
                        i += 1;
                        row(cell(), r, i - 1).into_any()
                    })
                    .collect(),
            }
        })
        .collect_view();
    view! {
        <p class="hint" id="decoded-source">"Read as " {sources} "."</p>
        <table id="decoded-rows" class="cards">
            <thead><tr>
                {several.then(|| view! { <th scope="col">"Secret"</th> })}
                <th scope="col">"Registry"</th><th scope="col">"Username"</th><th scope="col">"Password"</th><th scope="col">"Note"</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn row(secret: impl IntoView + 'static, r: ImportRow, i: usize) -> impl IntoView {
    match r.status {
        ImportStatus::Importable { entry, warnings, .. } => view! {
            <tr>{secret}<td data-label="Registry">{r.server.clone()}</td><td data-label="Username">{entry.credentials.username.clone()}</td>
                <td data-label="Password"><Masked value=entry.credentials.password.clone() id=format!("decoded-password-{i}")/></td>
                <td data-label="Note">{warnings.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")}</td></tr>
        }
        .into_any(),
        ImportStatus::InHelper { helper } => view! {
            <tr>{secret}<td data-label="Registry">{r.server.clone()}</td><td colspan="2" data-label="Credentials">"in credential helper \"" {helper.to_string()} "\""</td>
                <td data-label="Note">"Print it with " <code>{helper_command(&helper, &r.server)}</code></td></tr>
        }
        .into_any(),
        ImportStatus::Invalid { reason } => view! {
            <tr>{secret}<td data-label="Registry">{r.server.clone()}</td><td colspan="3" class="err" data-label="Problem">{reason}</td></tr>
        }
        .into_any(),
    }
}
