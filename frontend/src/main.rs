//! Mounts the console. Everything else lives in the library modules.

fn main() {
    leptos::mount::mount_to_body(frontend::app::App);
}
