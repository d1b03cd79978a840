//! The player commands the original had that came later (`!weapons`, `!records`,
//! `!myaliases`, `!ping`, `!badges`) on SQLite and PostgreSQL with every real fixture
//! imported, their numbers checked against the stored rows.
use entity::{player_aliases, player_comprehensive_stats as pcs, player_weapon_totals, rounds};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use slomix::commands::{
    Caller, CommandError, achievements, aliases, ping, players::Who, records, weapons,
};

use crate::{commands::imported, support::db};

#[tokio::test]
async fn weapons_records_aliases_and_ping_show_the_stored_rows() {
    for t in db::all().await {
        let ctx = imported(&t).await;
        let caller = Caller::default();
        let endekk = Who::Text("endekk".into());

        // !weapons: one entry per used weapon, most kills first, numbers as stored.
        let reply = weapons::weapons(&ctx, &endekk, &caller).await.unwrap();
        let stored = player_weapon_totals::Entity::find()
            .filter(player_weapon_totals::Column::Guid.eq("7B84BE88"))
            .all(&ctx.db)
            .await
            .unwrap();
        let shown = reply.data["weapons"].as_array().unwrap();
        let used = stored.iter().filter(|w| w.kills > 0 || w.shots > 0 || w.deaths > 0).count();
        assert_eq!(shown.len(), used, "{}", t.kind);
        assert!(used >= 3);
        for w in shown {
            let row = stored.iter().find(|s| s.weapon == w["weapon"].as_str().unwrap()).unwrap();
            assert_eq!(
                (w["kills"].as_i64(), w["shots"].as_i64()),
                (Some(row.kills), Some(row.shots))
            );
        }
        let kills: Vec<i64> = shown.iter().map(|w| w["kills"].as_i64().unwrap()).collect();
        assert!(kills.windows(2).all(|k| k[0] >= k[1]), "{kills:?}");
        assert!(reply.posts.iter().all(|p| p.fits_discord()));

        // !records supply: the fastest completed round and the best rows of that map.
        let reply = records::records(&ctx, Some("SUPPLY")).await.unwrap();
        let map = &reply.data["maps"][0];
        assert_eq!(map["map"], "supply", "{}", t.kind);
        let all = rounds::Entity::find()
            .filter(rounds::Column::MapName.eq("supply"))
            .filter(rounds::Column::RoundNumber.is_in([1, 2]))
            .all(&ctx.db)
            .await
            .unwrap();
        let fastest = all
            .iter()
            .filter(|r| matches!(r.round_outcome.as_str(), "time_set" | "time_beaten"))
            .filter(|r| r.actual_time_seconds > 0)
            .map(|r| r.actual_time_seconds)
            .min();
        assert_eq!(map["fastest"]["seconds"].as_i64(), fastest.map(i64::from), "{}", t.kind);
        let rows = pcs::Entity::find()
            .filter(pcs::Column::MapName.eq("supply"))
            .filter(pcs::Column::RoundNumber.is_in([1, 2]))
            .all(&ctx.db)
            .await
            .unwrap();
        let most = rows.iter().map(|r| r.kills).max().unwrap();
        let damage = rows.iter().map(|r| r.damage_given).max().unwrap();
        assert_eq!(map["most_kills"]["value"], most);
        assert_eq!(map["most_damage"]["value"], damage);
        assert_eq!(
            map["plays"].as_u64(),
            Some(all.iter().filter(|r| r.round_number == 1).count() as u64)
        );
        let every = records::records(&ctx, None).await.unwrap();
        let plays: Vec<i64> = every.data["maps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["plays"].as_i64().unwrap())
            .collect();
        assert!(plays.len() > 3 && plays.windows(2).all(|p| p[0] >= p[1]), "{plays:?}");
        assert!(every.posts.iter().all(|p| p.fits_discord()));
        match records::records(&ctx, Some("nomap")).await {
            Err(CommandError::Invalid(text)) => assert!(text.contains("supply"), "{text}"),
            other => panic!("{other:?}"),
        }

        // !myaliases: the stored names of the GUID, most recent first.
        let reply = aliases::my_aliases(&ctx, &endekk, &caller).await.unwrap();
        let stored = player_aliases::Entity::find()
            .filter(player_aliases::Column::Guid.eq("7B84BE88"))
            .all(&ctx.db)
            .await
            .unwrap();
        let shown = reply.data["aliases"].as_array().unwrap();
        assert_eq!(shown.len(), stored.len().min(25), "{}", t.kind);
        let seen: Vec<&str> = shown.iter().map(|a| a["last_seen"].as_str().unwrap()).collect();
        assert!(seen.windows(2).all(|s| s[0] >= s[1]), "{seen:?}");
        assert!(matches!(
            aliases::my_aliases(
                &ctx,
                &Who::Me,
                &Caller { discord_id: Some(5), ..Caller::default() }
            )
            .await,
            Err(CommandError::NotLinked { .. })
        ));

        // !ping counts the stored rounds; !badges is the legend.
        let pong = ping::ping(&ctx).await.unwrap();
        assert_eq!(
            pong.data["rounds"].as_u64(),
            Some(rounds::Entity::find().count(&ctx.db).await.unwrap())
        );
        assert!(pong.data["db_ms"].as_f64().unwrap() >= 0.0);
        let legend = achievements::legend();
        let unlinked =
            achievements::achievements(&ctx, &Who::Me, &Caller::default()).await.unwrap();
        assert_eq!(legend, unlinked);
    }
}

#[tokio::test]
async fn players_are_listed_ten_a_page_and_the_season_names_its_champions() {
    use slomix::commands::{
        achievements::Season,
        links,
        list_players::{self, Filter},
    };
    for t in db::all().await {
        let ctx = imported(&t).await;
        let count = entity::player_totals::Entity::find().count(&ctx.db).await.unwrap() as usize;
        let first = list_players::list_players(&ctx, Filter::All, 1).await.unwrap();
        assert_eq!(first.data["count"].as_u64(), Some(count as u64), "{}", t.kind);
        let pages = count.div_ceil(10);
        assert_eq!(first.pages.map(|p| (p.page, p.total)), Some((1, pages as u32)));
        assert_eq!(first.data["players"].as_array().unwrap().len(), count.min(10));
        let last = list_players::list_players(&ctx, Filter::All, 999).await.unwrap();
        assert_eq!(last.data["page"].as_u64(), Some(pages as u64), "past the end: the last page");
        let seen: Vec<&str> = first.data["players"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["last_seen"].as_str().unwrap())
            .collect();
        assert!(seen.windows(2).all(|s| s[0] >= s[1]), "{seen:?}");
        // Linking one player moves it from unlinked to linked.
        let alice = Caller { discord_id: Some(4242), name: "alice".into(), admin: false };
        links::link(&ctx, &alice, None, Some("7B84BE88")).await.unwrap();
        let linked = list_players::list_players(&ctx, Filter::Linked, 1).await.unwrap();
        assert_eq!(linked.data["count"], 1);
        assert_eq!(linked.data["players"][0]["guid"], "7B84BE88");
        let unlinked = list_players::list_players(&ctx, Filter::Unlinked, 1).await.unwrap();
        assert_eq!(unlinked.data["count"].as_u64(), Some(count as u64 - 1));
        // Days played: the distinct days of the player's rows.
        let rows = pcs::Entity::find()
            .filter(pcs::Column::PlayerGuid.eq("7B84BE88"))
            .filter(pcs::Column::RoundNumber.is_in([1, 2]))
            .all(&ctx.db)
            .await
            .unwrap();
        let days: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.round_date.as_str()).collect();
        assert_eq!(linked.data["players"][0]["days"].as_u64(), Some(days.len() as u64));
        assert!(matches!(Filter::parse(Some("nobody")), Err(CommandError::Invalid(_))));

        let season = achievements::season(&ctx).await.unwrap();
        assert_eq!(season.data["label"], Season::of(ctx.now).label());
        assert_eq!(Season { year: 2025, quarter: 4 }.label(), "2025 Winter (Q4)");
        let best = entity::player_totals::Entity::find().all(&ctx.db).await.unwrap();
        let most = best.iter().map(|p| p.kills).max().unwrap();
        assert_eq!(season.data["all_time_champion"]["kills"], most, "{}", t.kind);
        assert_eq!(
            season.data["champion"],
            season.data["top"][0]
                .clone()
                .as_object()
                .map(|o| {
                    serde_json::json!({"guid": o["guid"], "name": o["name"], "kills": o["kills"]})
                })
                .unwrap_or(serde_json::Value::Null)
        );
        assert!(season.posts.iter().all(|p| p.fits_discord()));
    }
}

#[tokio::test]
async fn team_records_and_head_to_head_add_up_every_sessions_score() {
    use slomix::commands::{
        gaming_session::Pick,
        sessions, stopwatch, team_records,
        teams::{self, Team},
    };
    for t in db::all().await {
        let ctx = imported(&t).await;
        // Every scored session, straight from the session model.
        let ids: Vec<i64> = entity::gaming_sessions::Entity::find()
            .all(&ctx.db)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
        let mut scored = Vec::new();
        for id in ids {
            let data = sessions::load(&ctx, Pick::Id(id)).await.unwrap().unwrap();
            let lineups = teams::detect(&data);
            let score = stopwatch::score(&data, &lineups);
            if !score.maps.is_empty() {
                scored.push((lineups, score));
            }
        }
        assert!(scored.len() >= 3, "{}: {}", t.kind, scored.len());
        let record = team_records::team_record(&ctx).await.unwrap();
        assert_eq!(record.data["sessions"].as_u64(), Some(scored.len() as u64), "{}", t.kind);
        // Each listed line-up's maps add up to the maps of the sessions it played.
        for lineup in record.data["lineups"].as_array().unwrap() {
            let guids: Vec<String> = lineup["guids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g.as_str().unwrap().to_owned())
                .collect();
            let mut maps = 0;
            let mut played = 0;
            for (lineups, score) in &scored {
                for team in [Team::A, Team::B] {
                    let mut roster: Vec<String> = lineups
                        .members
                        .iter()
                        .filter(|(_, t)| **t == team)
                        .map(|(g, _)| g.clone())
                        .collect();
                    roster.sort();
                    if roster == guids {
                        maps += score.maps.len() as u64;
                        played += 1;
                    }
                }
            }
            let m = &lineup["maps"];
            let sum = m["won"].as_u64().unwrap()
                + m["lost"].as_u64().unwrap()
                + m["drawn"].as_u64().unwrap();
            assert_eq!(sum, maps, "{}: {lineup}", t.kind);
            let s = &lineup["sessions"];
            let sessions = s["won"].as_u64().unwrap()
                + s["lost"].as_u64().unwrap()
                + s["drawn"].as_u64().unwrap();
            assert_eq!(sessions, played);
        }
        // Head to head: two players of opposite teams in the latest scored session.
        let (lineups, _) = scored.last().unwrap();
        let a = lineups.members.iter().find(|(_, t)| **t == Team::A).unwrap().0.clone();
        let b = lineups.members.iter().find(|(_, t)| **t == Team::B).unwrap().0.clone();
        let (mut won, mut lost, mut drawn, mut met) = (0u64, 0u64, 0u64, 0u64);
        for (lineups, score) in &scored {
            let (Some(ta), Some(tb)) = (lineups.members.get(&a), lineups.members.get(&b)) else {
                continue;
            };
            if ta == tb {
                continue;
            }
            met += 1;
            for m in &score.maps {
                match (m.winner, ta) {
                    (stopwatch::Winner::Draw, _) => drawn += 1,
                    (stopwatch::Winner::TeamA, Team::A) | (stopwatch::Winner::TeamB, Team::B) => {
                        won += 1
                    }
                    _ => lost += 1,
                }
            }
        }
        let reply = team_records::h2h(
            &ctx,
            &Who::Text(a.clone()),
            &Who::Text(b.clone()),
            &Caller::default(),
        )
        .await
        .unwrap();
        let against = &reply.data["against"];
        assert_eq!(against["sessions"].as_array().unwrap().len() as u64, met, "{}", t.kind);
        assert_eq!(
            (
                against["maps"]["won"].as_u64(),
                against["maps"]["lost"].as_u64(),
                against["maps"]["drawn"].as_u64()
            ),
            (Some(won), Some(lost), Some(drawn)),
            "{}",
            t.kind
        );
        assert!(reply.posts.iter().all(|p| p.fits_discord()));
        assert!(matches!(
            team_records::h2h(&ctx, &Who::Text(a.clone()), &Who::Text(a), &Caller::default()).await,
            Err(CommandError::Invalid(_))
        ));
    }
}

/// Captures whole posts (the round posts' text is what the test reads).
#[derive(Default)]
struct Capture(std::sync::Mutex<Vec<slomix::render::Post>>);

impl slomix::actors::round_publisher::Announcer for Capture {
    fn name(&self) -> &'static str {
        "capture"
    }
    fn names(&self) -> slomix::render::Names {
        slomix::render::Names::Discord
    }
    fn post<'a>(
        &'a self,
        posts: &'a [slomix::render::Post],
    ) -> slomix::actors::round_publisher::SinkFuture<
        'a,
        Result<(), slomix::actors::round_publisher::PublishError>,
    > {
        self.0.lock().unwrap().extend(posts.iter().cloned());
        Box::pin(async { Ok(()) })
    }
}

/// `!setname`: a linked player's chosen name replaces the file's in `!stats` and in round
/// posts; `alias` takes one of the player's names (in its stored spelling), `reset` goes back
/// to the name seen most; unlinked callers, strangers' names and unknown aliases are refused;
/// an admin may name another account.
#[tokio::test]
async fn setname_changes_the_name_posts_and_boards_show() {
    use entity::post_outbox;
    use sea_orm::{ActiveModelTrait, QueryOrder, Set};
    use slomix::commands::{
        links,
        setname::{self, Choice},
        stats,
    };
    const GUID: &str = "0A26D447";
    for t in db::all().await {
        let ctx = imported(&t).await;
        let caller = |id: u64, admin: bool| Caller {
            discord_id: Some(id),
            name: format!("user{id}"),
            admin,
        };
        let (alice, bob, admin) = (caller(111, false), caller(222, false), caller(999, true));
        links::link(&ctx, &alice, None, Some("carniee")).await.unwrap();
        let custom = || Choice::Custom("Captain Carn".into());
        assert!(
            matches!(
                setname::setname(&ctx, &bob, None, custom()).await,
                Err(CommandError::NotLinked { .. })
            ),
            "{}",
            t.kind
        );
        assert!(matches!(
            setname::setname(&ctx, &bob, Some(111), custom()).await,
            Err(CommandError::Refused(_))
        ));
        let set = setname::setname(&ctx, &alice, None, custom()).await.unwrap();
        assert_eq!(set.data["shown"], "Captain Carn", "{}", t.kind);
        assert_eq!(set.data["source"], "custom");
        let mine = stats::stats(&ctx, &Who::Me, &alice).await.unwrap();
        assert!(
            mine.posts[0].title.contains("Captain Carn"),
            "{}: {}",
            t.kind,
            mine.posts[0].title
        );

        // A round of hers posted now shows the chosen name.
        let row = pcs::Entity::find()
            .filter(pcs::Column::PlayerGuid.eq(GUID))
            .filter(pcs::Column::RoundNumber.eq(1))
            .one(&ctx.db)
            .await
            .unwrap()
            .unwrap();
        post_outbox::ActiveModel {
            round_id: Set(row.round_id),
            file: Set("x.txt".into()),
            queued_at: Set(ctx.now),
            attempted_at: Set(None),
            parts_sent: Set(0),
            ..Default::default()
        }
        .insert(&ctx.db)
        .await
        .unwrap();
        let capture = Capture::default();
        slomix::actors::round_publisher::publish_next(
            &ctx.db,
            &capture,
            Default::default(),
            ctx.now,
        )
        .await
        .unwrap()
        .unwrap();
        let text: String =
            capture.0.lock().unwrap().iter().map(slomix::render::Post::to_text).collect();
        assert!(text.contains("Captain Carn"), "{}: {text}", t.kind);
        assert!(!text.contains(&row.player_name), "{}: the file's name is replaced", t.kind);

        // One of her names, in any case; a name she never played under is refused.
        let alias = player_aliases::Entity::find()
            .filter(player_aliases::Column::Guid.eq(GUID))
            .order_by_asc(player_aliases::Column::TimesSeen)
            .one(&ctx.db)
            .await
            .unwrap()
            .unwrap()
            .alias;
        let set = setname::setname(&ctx, &alice, None, Choice::Alias(alias.to_uppercase()))
            .await
            .unwrap();
        assert_eq!(set.data["shown"], alias.as_str(), "{}", t.kind);
        assert!(matches!(
            setname::setname(&ctx, &alice, None, Choice::Alias("never-played-as".into())).await,
            Err(CommandError::Invalid(_))
        ));
        // An admin resets her name: the alias seen most again.
        let reset = setname::setname(&ctx, &admin, Some(111), Choice::Reset).await.unwrap();
        let most = player_aliases::Entity::find()
            .filter(player_aliases::Column::Guid.eq(GUID))
            .order_by_desc(player_aliases::Column::TimesSeen)
            .order_by_desc(player_aliases::Column::LastSeen)
            .one(&ctx.db)
            .await
            .unwrap()
            .unwrap()
            .alias;
        assert_eq!(reset.data["shown"], most.as_str(), "{}", t.kind);
        assert_eq!(reset.data["source"], "auto");
    }
}
