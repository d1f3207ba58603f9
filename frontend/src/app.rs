//! The console's top-level view.

use leptos::prelude::*;

use crate::api;

#[component]
pub fn App() -> impl IntoView {
    let health = LocalResource::new(api::health);
    view! {
        <header class="bar">
            <h1>"regcred"</h1>
            <p class="tagline">"Docker registry pull secrets at the edge"</p>
        </header>
        <main>
            <section class="status" aria-live="polite">
                <Suspense fallback=|| view! { <p id="api-status" class="pending">"Connecting to the API…"</p> }>
                    {move || health.get().map(|result| match result {
                        Ok(h) => view! {
                            <p id="api-status" class="ok">"Connected to the regcred API, version " {h.version}</p>
                        }.into_any(),
                        Err(e) => view! {
                            <p id="api-status" class="err">"Cannot reach the API: " {e.message}</p>
                        }.into_any(),
                    })}
                </Suspense>
            </section>
        </main>
    }
}
