//! Names players chose (`!setname`: `player_links.display_name`), which every post and board
//! shows instead of the name in the stats file.
use std::collections::HashMap;

use entity::player_links as links;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

/// The chosen names of those of `guids` that have one.
pub async fn chosen(
    db: &impl ConnectionTrait,
    guids: &[String],
) -> Result<HashMap<String, String>, DbErr> {
    if guids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, Option<String>)> = links::Entity::find()
        .select_only()
        .column(links::Column::PlayerGuid)
        .column(links::Column::DisplayName)
        .filter(links::Column::PlayerGuid.is_in(guids.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(guid, name)| Some((guid, name.filter(|n| !n.is_empty())?)))
        .collect())
}
