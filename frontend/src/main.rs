//! Mounts the console. Everything else lives in the library modules.

fn main() {
    // A panic then says where in the browser console, not just "unreachable".
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(frontend::app::App);
}
