//! A bare Leptos 0.8 client-side page: one component, nothing else. `cargo
//! xtask bench` builds it with the console's Trunk, wasm-opt and rustflags,
//! so the console's size and first render are judged against what Leptos
//! itself costs on this machine, in the same run.

use leptos::prelude::*;

#[component]
fn App() -> impl IntoView {
    view! { <h1 id="bare">"regcred"</h1> }
}

fn main() {
    leptos::mount::mount_to_body(App);
}
