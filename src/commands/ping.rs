//! `!ping`: the bot is up; how long a database round trip takes and how many rounds are
//! stored.
use std::time::Instant;

use entity::rounds;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use super::{
    CommandResult, Ctx, Reply,
    call::{BoxFuture, Call},
    format,
};
use crate::render::Post;

/// The command.
pub async fn ping(ctx: &Ctx) -> CommandResult {
    let started = Instant::now();
    let stored = rounds::Entity::find().count(&ctx.db).await?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let post = Post {
        title: "🏓 Pong".to_owned(),
        colour: 0x002E_CC71,
        description: format!(
            "Database: {ms:.1} ms · {} rounds stored",
            format::thousands(i64::try_from(stored).unwrap_or(i64::MAX))
        ),
        fields: Vec::new(),
        footer: "slomix".to_owned(),
    };
    Ok(Reply::single(post, json!({ "db_ms": ms, "rounds": stored })))
}

/// The table's handler: `!ping`.
pub fn run_ping(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move { ping(&call.ctx).await })
}
