//! The offline decoder: works signed out and sends nothing anywhere.

use leptos::prelude::*;
use shared::{helper_command, ImportStatus};

use crate::browser;
use crate::decode::{decode_input, Decoded};
use crate::pages::widgets::Masked;

#[component]
pub fn Decoder() -> impl IntoView {
    browser::set_title("Decoder");
    let text = RwSignal::new(String::new());
    let decoded = Memo::new(move |_| decode_input(&text.get()));
    view! {
        <h1>"Decode a token or config.json"</h1>
        <p>"Paste a Docker "<code>"auth"</code>" value (base64 of username:password) or a whole "<code>"config.json"</code>". Decoding happens in this page only: nothing is sent anywhere, and it works offline."</p>
        <label for="decode-input">"Token or config.json"</label>
        <textarea id="decode-input" rows="6" spellcheck="false" autocomplete="off"
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
                Decoded::Config(rows) => view! {
                    <table id="decoded-rows">
                        <thead><tr><th scope="col">"Registry"</th><th scope="col">"Username"</th><th scope="col">"Password"</th><th scope="col">"Note"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().enumerate().map(|(i, r)| match r.status {
                                ImportStatus::Importable { entry, warnings, .. } => view! {
                                    <tr><td>{r.server.clone()}</td><td>{entry.credentials.username.clone()}</td>
                                        <td><Masked value=entry.credentials.password.clone() id=format!("decoded-password-{i}")/></td>
                                        <td>{warnings.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")}</td></tr>
                                }.into_any(),
                                ImportStatus::InHelper { helper } => view! {
                                    <tr><td>{r.server.clone()}</td><td colspan="2">"in credential helper \"" {helper.to_string()} "\""</td>
                                        <td>"Print it with " <code>{helper_command(&helper, &r.server)}</code></td></tr>
                                }.into_any(),
                                ImportStatus::Invalid { reason } => view! {
                                    <tr><td>{r.server.clone()}</td><td colspan="3" class="err">{reason}</td></tr>
                                }.into_any(),
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </div>
    }
}
