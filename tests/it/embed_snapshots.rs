//! Snapshots (insta) of the embeds players see, rendered from the real fixtures on SQLite and
//! on PostgreSQL against the same snapshot, so both databases give the same message: a round
//! 1 post, a round 2 post, a map's "Match Complete" with its awards, the session summary, the
//! stopwatch score, the recap and an achievement-unlock post. Each is also checked against
//! Discord's limits. A changed embed shows as a snapshot diff (`cargo insta review`).
use entity::{player_comprehensive_stats as pcs, rounds};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use slomix::{
    commands::{recap, session_score, sessions},
    render::{self, Names, Post},
};

use crate::{commands::imported, support::db};

fn show(posts: &[Post]) -> String {
    for post in posts {
        assert!(post.fits_discord(), "{post:?}");
    }
    serde_json::to_string_pretty(posts).unwrap()
}

#[tokio::test]
async fn embeds_match_their_snapshots_on_both_databases() {
    for t in db::all().await {
        let ctx = imported(&t).await;
        // The goldrush map of 2025-10-12: round 1, round 2 and the match summary.
        for (number, name) in [(1, "round1"), (2, "round2"), (0, "match_complete")] {
            let round = rounds::Entity::find()
                .filter(rounds::Column::Filename.is_in([
                    "2025-10-12-225242-sw_goldrush_te-round-2.txt",
                    "2025-10-12-224530-sw_goldrush_te-round-1.txt",
                ]))
                .filter(rounds::Column::RoundNumber.eq(number))
                .one(&ctx.db)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{}: round {number}", t.kind));
            let mut players = pcs::Entity::find()
                .filter(pcs::Column::RoundId.eq(round.id))
                .order_by_asc(pcs::Column::PlayerGuid)
                .all(&ctx.db)
                .await
                .unwrap();
            players.sort_by(|a, b| a.player_guid.cmp(&b.player_guid));
            let mut posts = render::round_posts(&round, &players, Names::Discord);
            for post in &mut posts {
                // Ids follow import order, the same on both databases; keep the file name.
                post.footer =
                    post.footer.replace(&format!("Round ID: {} | ", round.id), "Round ID: n | ");
            }
            insta::assert_snapshot!(format!("embed__{name}"), show(&posts));
        }
        let summary = sessions::last_session(&ctx).await.unwrap();
        insta::assert_snapshot!("embed__session_summary", show(&summary.posts));
        let score = session_score::session_score(&ctx, sessions::Pick::Latest).await.unwrap();
        insta::assert_snapshot!("embed__session_score", show(&score.posts));
        let evening = recap::recap(&ctx, sessions::Pick::Latest).await.unwrap();
        insta::assert_snapshot!("embed__recap", show(&evening.posts));
        let first = entity::achievement_unlocks::Entity::find()
            .order_by_asc(entity::achievement_unlocks::Column::Id)
            .one(&ctx.db)
            .await
            .unwrap()
            .unwrap();
        let unlocks = slomix::store::unlocks::of_round(&ctx.db, first.round_id).await.unwrap();
        let post = slomix::badges::unlock_post(&unlocks, Names::Discord, "Round ID: n".into());
        insta::assert_snapshot!("embed__unlock", show(&post.into_iter().collect::<Vec<_>>()));
    }
    // The line that closes a `!sync` that held rounds back.
    let line = slomix::render::sync_held(7, 9, 25);
    assert!(line.fits_discord());
    insta::assert_snapshot!("embed__sync_finished", show(&[line]));
}
