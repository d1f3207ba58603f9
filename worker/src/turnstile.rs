//! One request at a time: the Durable Object's guard around the handler.
//! Pure (no workers-rs), so the race it prevents is shown by native tests.

use futures_util::lock::Mutex;

#[derive(Default)]
pub struct Turnstile(Mutex<()>);

impl Turnstile {
    /// Runs `work` when no other work holds the turnstile.
    pub async fn run<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        let _turn = self.0.lock().await;
        work.await
    }
}
