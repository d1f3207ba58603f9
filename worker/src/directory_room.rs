//! The directory's object: the calls secrets' objects make (a place under
//! the quota, a name's new state, who holds a registry), the move out of
//! the legacy object, and the admin routes that span names. Those page
//! through the names it holds and ask each secret's object, at most
//! [`CALLS_PER_REQUEST`] objects per request (Workers limit subrequests),
//! resumable from the record they stopped after. The rules it keeps are
//! `directory.rs`.

use std::collections::BTreeMap;

use shared::api::{ApiError, BackupPage, EncryptionKeys, ErrorCode, RewrapBatch};
use shared::backup::{RecordKey, MAX_CHUNK_SECRETS, RESTORING_KEY};
use shared::SecretName;

use crate::app::{self, Admitted, Gate};
use crate::audit::Attempt;
use crate::backup;
use crate::config::Config;
use crate::ctx::Ctx;
use crate::directory::{self, MIGRATED_KEY, MIGRATION_CURSOR};
use crate::every_record;
use crate::http::{bounded, Request, Response};
use crate::ops::Op;
use crate::rooms::{call, op, Host, KeysPage, Publish, Reserve, Rooms, Target, Window};
use crate::store::{Store, StoreError};

/// The most secrets' objects one request asks.
pub const CALLS_PER_REQUEST: usize = 100;
/// Names read from the directory at a time.
const NAMES_AT_A_TIME: u32 = 50;
/// The most legacy names one request moves.
pub const MOVE_PER_REQUEST: usize = 200;

fn bad_call(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequestBody, format!("internal call: {e}"))
}

fn name_of(raw: &str) -> Result<SecretName, ApiError> {
    SecretName::parse(raw).map_err(bad_call)
}

/// Answers a call of a secret's object (the caller runs `reserve` and
/// `publish` one at a time), or of the directory itself (`keys-page`).
pub async fn internal<S: Store, R: Rooms>(
    store: &S,
    rooms: &R,
    operation: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    match operation {
        op::KEYS_PAGE => {
            let after: Option<String> = serde_json::from_slice(body).map_err(bad_call)?;
            let after = after.as_deref().map(name_of).transpose()?;
            Ok(Response::json(200, &keys_page(store, rooms, after).await?))
        }
        op::RESERVE => {
            let r: Reserve = serde_json::from_slice(body).map_err(bad_call)?;
            let name = name_of(&r.name)?;
            let granted = directory::reserve(store, &name, r.max).await?;
            if granted {
                directory::publish(store, &name, &r.state).await?;
            }
            Ok(Response::json(200, &granted))
        }
        op::PUBLISH => {
            let p: Publish = serde_json::from_slice(body).map_err(bad_call)?;
            directory::publish(store, &name_of(&p.name)?, &p.state).await?;
            Ok(Response::json(200, &()))
        }
        op::HOLDERS => {
            let h: Host = serde_json::from_slice(body).map_err(bad_call)?;
            Ok(Response::json(
                200,
                &directory::holders(store, &h.host).await?,
            ))
        }
        op::SWEEP => {
            let ask: SweepAsk = serde_json::from_slice(body).map_err(bad_call)?;
            Ok(Response::json(200, &sweep(store, rooms, &ask).await?))
        }
        other => Err(bad_call(format!("the directory has no call {other}"))),
    }
}

/// What a sweep needs to know: the retention and the time of the run.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SweepAsk {
    pub retention_days: u32,
    pub now: i64,
}

/// Deleted secrets the scheduled run may drop in one call.
const SWEEP_PER_RUN: u32 = 100;

/// Asks each deleted secret past retention (its row holds its metadata)
/// to drop itself; its object then tells the directory it is gone.
async fn sweep<S: Store, R: Rooms>(
    store: &S,
    rooms: &R,
    ask: &SweepAsk,
) -> Result<u64, StoreError> {
    let page = store
        .list(shared::backup::DELETED_PREFIX, None, SWEEP_PER_RUN)
        .await?;
    let now = shared::time::Timestamp::from_unix_seconds(ask.now);
    let mut swept = 0;
    for k in &page.keys {
        let meta: crate::record::SecretMeta = k.read_metadata().unwrap_or_default();
        let ended = meta
            .deleted_at
            .as_deref()
            .is_some_and(|d| shared::retention::expired(d, ask.retention_days, now));
        let name = SecretName::parse(&k.name[shared::backup::DELETED_PREFIX.len()..]);
        if let (true, Ok(name)) = (ended, name) {
            let gone: u64 = call(rooms, Target::Secret(&name), op::SWEEP_ONE, &ask.now).await?;
            swept += gone;
        }
    }
    Ok(swept)
}

/// Moves the legacy object's names, at most [`MOVE_PER_REQUEST`] of them:
/// each secret's object takes its records and tells the directory its
/// state. Answers whether the move is done. Safe to run twice, or
/// concurrently: moving in and telling are idempotent.
pub async fn migrate<S: Store, R: Rooms>(store: &S, rooms: &R) -> Result<bool, StoreError> {
    if store.get(MIGRATED_KEY).await?.is_some() {
        return Ok(true);
    }
    let mut after = store.get(MIGRATION_CURSOR).await?.map(|s| s.value);
    let mut moved = 0;
    while moved < MOVE_PER_REQUEST {
        let window = Window {
            after: after.clone(),
            limit: u64::from(NAMES_AT_A_TIME),
        };
        let names: Vec<String> = call(rooms, Target::Legacy, op::NAMES, &window).await?;
        let Some(last) = names.last().cloned() else {
            store
                .put(directory::MOVED_KEY, "", &serde_json::Value::Null)
                .await?;
            store
                .put(MIGRATED_KEY, "", &serde_json::Value::Null)
                .await?;
            store.delete(MIGRATION_CURSOR).await?;
            return Ok(true);
        };
        for n in &names {
            let Ok(name) = SecretName::parse(n) else {
                continue;
            };
            let () = call(rooms, Target::Secret(&name), op::TOUCH, &()).await?;
        }
        moved += names.len();
        store
            .put(MIGRATION_CURSOR, &last, &serde_json::Value::Null)
            .await?;
        after = Some(last);
    }
    Ok(false)
}

/// The answer while the move is not done yet.
pub fn moving() -> ApiError {
    ApiError::new(
        ErrorCode::InternalError,
        "secrets are moving into their own objects after an upgrade; try again in a few seconds",
    )
}

/// Where a walk over every record starts: the cursor's name, and the
/// record within it to go on after.
struct Resume {
    first: Option<SecretName>,
    within: Option<String>,
}

fn resume(query: &[(String, String)]) -> Result<Resume, ApiError> {
    let after = every_record::cursor(query)?;
    let first = after
        .as_deref()
        .and_then(|a| RecordKey::parse(a).ok())
        .map(|k| k.name().clone());
    Ok(Resume {
        first,
        within: after,
    })
}

/// A cursor past every record of `name`.
fn end_of(name: &SecretName) -> String {
    RecordKey::Version(name.clone(), 9_999_999_999).to_string()
}

/// The names of a walk: the cursor's own first, then those after it.
struct Names<'a, S> {
    store: &'a S,
    queue: std::collections::VecDeque<SecretName>,
    after: Option<SecretName>,
    done: bool,
}

impl<'a, S: Store> Names<'a, S> {
    fn from(store: &'a S, first: Option<SecretName>) -> Self {
        Names {
            store,
            queue: first.iter().cloned().collect(),
            after: first,
            done: false,
        }
    }

    async fn next(&mut self) -> Result<Option<SecretName>, StoreError> {
        if self.queue.is_empty() && !self.done {
            let page = directory::names(self.store, self.after.as_ref(), NAMES_AT_A_TIME).await?;
            self.done = page.len() < NAMES_AT_A_TIME as usize;
            if let Some(last) = page.last() {
                self.after = Some(last.clone());
            }
            self.queue.extend(page);
        }
        Ok(self.queue.pop_front())
    }
}

/// `GET /v2/admin/backup`: a page of every record, name by name.
pub async fn export<S: Store, R: Rooms>(
    store: &S,
    rooms: &R,
    query: &[(String, String)],
) -> Result<Response, ApiError> {
    let limit = bounded(query, "limit", backup::DEFAULT_PAGE, backup::MAX_PAGE)? as usize;
    let Resume { first, mut within } = resume(query)?;
    let mut names = Names::from(store, first);
    let mut page = BackupPage {
        items: Vec::new(),
        next: None,
    };
    let mut calls = 0;
    while let Some(name) = names.next().await? {
        let window = Window {
            after: within.take(),
            limit: (limit - page.items.len()) as u64,
        };
        let got: BackupPage = call(rooms, Target::Secret(&name), op::RECORDS, &window).await?;
        calls += 1;
        page.items.extend(got.items);
        if page.items.len() >= limit {
            page.next = page.items.last().map(|i| i.key.clone());
            break;
        }
        if calls == CALLS_PER_REQUEST {
            // Past every record of this name; the next page goes on after it.
            page.next = Some(end_of(&name));
            break;
        }
    }
    Ok(Response::json(200, &page))
}

/// `POST /v2/admin/encryptionKeys/rewrap`: a batch of records, name by name.
pub async fn rewrap<S: Store, R: Rooms>(
    store: &S,
    rooms: &R,
    query: &[(String, String)],
) -> Result<Response, ApiError> {
    let limit = bounded(
        query,
        "limit",
        crate::keys::DEFAULT_BATCH,
        crate::keys::MAX_BATCH,
    )?;
    let Resume { first, mut within } = resume(query)?;
    let mut names = Names::from(store, first);
    let mut batch = RewrapBatch {
        examined: 0,
        rewrapped: 0,
        failed: Vec::new(),
        next: None,
    };
    let mut calls = 0;
    while let Some(name) = names.next().await? {
        let window = Window {
            after: within.take(),
            limit: limit - batch.examined,
        };
        let got: RewrapBatch = call(rooms, Target::Secret(&name), op::REWRAP, &window).await?;
        calls += 1;
        batch.examined += got.examined;
        batch.rewrapped += got.rewrapped;
        batch.failed.extend(got.failed);
        if batch.examined >= limit || calls == CALLS_PER_REQUEST {
            batch.next = Some(got.next.unwrap_or_else(|| end_of(&name)));
            break;
        }
    }
    Ok(Response::json(200, &batch))
}

/// One page of the key counts: at most [`CALLS_PER_REQUEST`] names after
/// `after`, each object's counts summed (`keys-page`).
pub async fn keys_page<S: Store, R: Rooms>(
    store: &S,
    rooms: &R,
    after: Option<SecretName>,
) -> Result<KeysPage, StoreError> {
    let mut page = KeysPage::default();
    let mut names = Names::from(store, None);
    names.after = after;
    let mut calls = 0;
    while let Some(name) = names.next().await? {
        let got: EncryptionKeys = call(rooms, Target::Secret(&name), op::KEYS, &()).await?;
        page.to_rewrap += got.to_rewrap;
        for k in got.keys {
            let e = page.counts.entry(k.id).or_default();
            e.0 += k.secrets;
            e.1 += k.versions;
        }
        calls += 1;
        if calls == CALLS_PER_REQUEST {
            page.next = Some(name.to_string());
            break;
        }
    }
    Ok(page)
}

/// `GET /v2/admin/encryptionKeys`: the pages of every object's counts,
/// summed. Each page is a call of the directory to itself, so each has
/// its own subrequests and this request makes one per page.
pub async fn keys<R: Rooms>(rooms: &R, cfg: &Config) -> Result<Response, ApiError> {
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut to_rewrap = 0;
    let mut after: Option<String> = None;
    loop {
        let page: KeysPage = call(rooms, Target::Directory, op::KEYS_PAGE, &after).await?;
        to_rewrap += page.to_rewrap;
        for (id, (secrets, versions)) in page.counts {
            let e = counts.entry(id).or_default();
            e.0 += secrets;
            e.1 += versions;
        }
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    Ok(Response::json(
        200,
        &crate::keys::usage(cfg, counts, to_rewrap),
    ))
}

/// `POST /v2/admin/restore`: one chunk, its records checked first, then
/// each name's records written by its object.
pub async fn restore<S: Store, R: Rooms>(
    store: &S,
    rooms: &R,
    cfg: &Config,
    body: &[u8],
) -> Result<Response, ApiError> {
    let chunk = backup::parse_chunk(body)?;
    let under_way = store.get(RESTORING_KEY).await?.map(|s| s.value);
    let empty = async { Ok(directory::is_empty(store).await?) };
    backup::fence(under_way.as_deref(), &chunk, empty).await?;
    backup::check_all(cfg, &chunk, directory::count(store).await?)?;
    let mut by_name: BTreeMap<String, Vec<shared::api::BackupItem>> = BTreeMap::new();
    for item in &chunk.items {
        if let Ok(k) = RecordKey::parse(&item.key) {
            by_name
                .entry(k.name().to_string())
                .or_default()
                .push(item.clone());
        }
    }
    // Each secret's records go to its object, one call each.
    if by_name.len() > MAX_CHUNK_SECRETS {
        return Err(ApiError::new(
            ErrorCode::InvalidRequestBody,
            format!(
                "this chunk holds records of {} secrets; a chunk may hold at most {MAX_CHUNK_SECRETS} (regcred restore cuts chunks so)",
                by_name.len()
            ),
        )
        .with_target("items"));
    }
    if under_way.is_none() {
        store
            .put(RESTORING_KEY, &chunk.restore_id, &serde_json::Value::Null)
            .await?;
    }
    for (name, items) in &by_name {
        let name = name_of(name)?;
        let () = call(rooms, Target::Secret(&name), op::PUT_RECORDS, items).await?;
    }
    if chunk.done {
        store.delete(RESTORING_KEY).await?;
    }
    Ok(backup::restored(&chunk))
}

/// A client request to the directory: every check, then the route (the
/// ones that span names here, the deleted list through the app), then the
/// audit record.
pub async fn handle<S: Store, R: Rooms>(req: &Request, ctx: &Ctx<'_, S>, rooms: &R) -> Response {
    let mut attempt = Attempt::of(req);
    let resp = match app::admit(req, ctx, &mut attempt).await {
        Gate::Answer(r) => r,
        Gate::Admitted(a) => match app::check_body(&a, req) {
            Err(e) => e.into(),
            Ok(()) => match spanning(&a, req, ctx, rooms).await {
                Some(Ok(r)) => r,
                Some(Err(e)) => Response::error(e),
                None => app::serve(&a, req, ctx, &mut attempt).await,
            },
        },
    };
    app::conclude(resp, &attempt, req, ctx).await
}

async fn spanning<S: Store, R: Rooms>(
    a: &Admitted<'_>,
    req: &Request,
    ctx: &Ctx<'_, S>,
    rooms: &R,
) -> Option<Result<Response, ApiError>> {
    Some(match a.op() {
        Op::Backup => export(ctx.store, rooms, &req.query).await,
        Op::Rewrap => rewrap(ctx.store, rooms, &req.query).await,
        Op::Keys => keys(rooms, a.config()).await,
        Op::Restore => restore(ctx.store, rooms, a.config(), &req.body).await,
        _ => return None,
    })
}
