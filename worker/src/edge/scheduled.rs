//! The scheduled handler (`#[event(scheduled)]`, `[triggers] crons` in
//! wrangler.toml): one run of `schedule::run` over KV and the objects. It
//! never throws; what the run did is one log line (names no secret).

use worker::{event, Env, ScheduleContext, ScheduledEvent};

use crate::edge::kv::Kv;
use crate::edge::rooms::EdgeRooms;
use crate::edge::runtime;
use crate::edge::store::EdgeStore;
use crate::edge::KV_BINDING;

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let Some(kv) = Kv::from_env(&env, KV_BINDING) else {
        worker::console_error!("regcred's scheduled run: no KV binding named {KV_BINDING}");
        return;
    };
    let config = runtime::config(&env);
    let Ok(cfg) = config.as_ref() else {
        worker::console_error!("regcred's scheduled run: the worker is not configured");
        return;
    };
    let rooms = EdgeRooms::new(&env);
    let store = EdgeStore::Kv(&kv, &rooms);
    let report = crate::schedule::run(&store, &rooms, cfg, runtime::now()).await;
    worker::console_log!(
        "regcred-schedule due={} checked={} unreached={} swept={} unlisted={}",
        report.due,
        report.checked,
        report.unreached,
        report.swept,
        report.unlisted
    );
}
