//! Mounts the decoder on its own: the page people open alone, signed out,
//! loads this small entry instead of the whole console.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(frontend::decoder_entry::DecoderEntry);
}
