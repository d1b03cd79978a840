//! The command layer on SQLite and PostgreSQL with every real fixture imported: each
//! command's numbers checked against the stored rows (sums, orderings, session boundaries),
//! name resolution, linking, and the session graphs decoded as PNG images.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDateTime, TimeDelta};
use entity::{gaming_sessions, player_comprehensive_stats as pcs, player_totals, rounds};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use slomix::{
    commands::{
        Caller, CommandError, Ctx, Reply, achievements, charts, compare, help,
        leaderboard::{self, Category},
        links,
        players::Who,
        sessions::{self, Pick},
        stats, teams,
    },
    render::Names,
    stats::PairingRules,
    store::Store,
};

use crate::support::db;

/// A database with every real fixture imported, and a context on it.
pub async fn imported(t: &db::TestDb) -> Ctx {
    let store =
        Store::new(t.db.clone(), "default", PairingRules::default(), TimeDelta::minutes(60));
    let files = crate::support::fixture_files("real");
    let now = NaiveDateTime::parse_from_str("2025-11-02 12:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        // The header-only fixture is rejected; everything else imports.
        let _ = store.import_file(name, &std::fs::read(path).unwrap(), now).await;
    }
    Ctx::new(t.db.clone(), Names::Discord, now)
}

fn user(id: u64) -> Caller {
    Caller { discord_id: Some(id), name: format!("user{id}"), admin: false }
}

/// Everything the posts show, as sent to Discord (markdown included).
fn text(reply: &Reply) -> String {
    let mut out = String::new();
    for post in &reply.posts {
        out.push_str(&format!("{}\n{}\n", post.title, post.description));
        for field in &post.fields {
            out.push_str(&format!("{}\n{}\n", field.name, field.value));
        }
    }
    out
}

/// Σ of a column over a player's round-1 and round-2 rows, straight from the table.
async fn sum_rows(db: &DatabaseConnection, guid: &str) -> (i64, i64, i64, i64, i64) {
    let rows = pcs::Entity::find()
        .filter(pcs::Column::PlayerGuid.eq(guid))
        .filter(pcs::Column::RoundNumber.is_in([1, 2]))
        .all(db)
        .await
        .unwrap();
    rows.iter().fold((0, 0, 0, 0, 0), |acc, r| {
        (
            acc.0 + 1,
            acc.1 + i64::from(r.kills),
            acc.2 + i64::from(r.deaths),
            acc.3 + i64::from(r.damage_given),
            acc.4 + i64::from(r.time_played_seconds),
        )
    })
}

#[tokio::test]
async fn stats_are_the_sums_of_the_players_rows_and_names_resolve() {
    for t in db::all().await {
        let ctx = imported(&t).await;
        let caller = user(1);
        // An exact name in another case, a GUID, and a unique part of a name all mean endekk.
        for query in ["ENDEKK", "7B84BE88", "7b84be88", "ndek"] {
            let reply = stats::stats(&ctx, &Who::Text(query.into()), &caller).await.unwrap();
            assert_eq!(reply.data["guid"], "7B84BE88", "{}: {query}", t.kind);
        }
        let reply = stats::stats(&ctx, &Who::Text("endekk".into()), &caller).await.unwrap();
        let (rounds, kills, deaths, damage, seconds) = sum_rows(&t.db, "7B84BE88").await;
        assert_eq!(reply.data["rounds"], rounds, "{}", t.kind);
        assert_eq!(reply.data["kills"], kills);
        assert_eq!(reply.data["deaths"], deaths);
        assert_eq!(reply.data["damage_given"], damage);
        let dpm = reply.data["dpm"].as_f64().unwrap();
        assert!((dpm - damage as f64 * 60.0 / seconds as f64).abs() < 1e-9, "{dpm}");
        assert!(kills > 1000, "the fixture player has real numbers: {kills}");
        let shown = text(&reply);
        assert!(
            shown.contains(&format!("**Kills:** {}", slomix::commands::format::thousands(kills))),
            "{shown}"
        );
        assert!(reply.posts.iter().all(|p| p.fits_discord()));
        // Top weapons are ordered by kills.
        let top: Vec<i64> = reply.data["top_weapons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["kills"].as_i64().unwrap())
            .collect();
        assert!(!top.is_empty() && top.windows(2).all(|w| w[0] >= w[1]), "{top:?}");

        // Several players share "ripazha": the candidates are listed.
        match stats::stats(&ctx, &Who::Text("ripazha".into()), &caller).await {
            Err(CommandError::Ambiguous { candidates, .. }) => {
                assert_eq!(candidates.len(), 5, "{}: {candidates:?}", t.kind);
                assert!(candidates.windows(2).all(|c| c[0].rounds >= c[1].rounds));
            }
            other => panic!("{}: {other:?}", t.kind),
        }
        // An unknown name suggests close ones; nothing is built from the text as SQL.
        match stats::stats(&ctx, &Who::Text("endek".into()), &caller).await {
            Ok(reply) => assert_eq!(reply.data["guid"], "7B84BE88", "a part of a name"),
            Err(e) => panic!("{e:?}"),
        }
        match stats::stats(&ctx, &Who::Text("endekz".into()), &caller).await {
            Err(CommandError::NotFound { suggestions, .. }) => {
                assert!(suggestions.contains(&"endekk".to_owned()), "{suggestions:?}")
            }
            other => panic!("{other:?}"),
        }
        for hostile in ["'; DROP TABLE rounds; --", "%", "\\"] {
            let result = stats::stats(&ctx, &Who::Text(hostile.into()), &caller).await;
            assert!(
                matches!(result, Err(CommandError::NotFound { .. })),
                "{hostile:?}: {result:?}"
            );
        }
        // LIKE's wildcards are literal: `_` is the one player with an underscore in a name.
        let underscore = stats::stats(&ctx, &Who::Text("_".into()), &caller).await.unwrap();
        assert_eq!(underscore.data["name"], "v_kt_r");
        assert!(rounds::Entity::find().one(&t.db).await.unwrap().is_some(), "still there");
        // No argument and no link: the caller is told to link.
        assert!(matches!(
            stats::stats(&ctx, &Who::Me, &caller).await,
            Err(CommandError::NotLinked { .. })
        ));
    }
}

#[tokio::test]
async fn leaderboards_rank_by_their_category_with_the_minimum_rules() {
    for t in db::all().await {
        let ctx = imported(&t).await;
        let totals = player_totals::Entity::find().all(&t.db).await.unwrap();
        let first = leaderboard::leaderboard(&ctx, Category::Kills, 1).await.unwrap();
        let qualifying = totals.iter().filter(|t| t.rounds > 10).count();
        assert_eq!(first.data["qualifying"], qualifying as i64, "{}", t.kind);
        let pages = qualifying.div_ceil(10);
        assert_eq!(first.pages.unwrap().total as usize, pages);
        let mut expected: Vec<&player_totals::Model> =
            totals.iter().filter(|t| t.rounds > 10).collect();
        expected.sort_by(|a, b| b.kills.cmp(&a.kills).then(a.guid.cmp(&b.guid)));
        let mut ranked = Vec::new();
        for page in 1..=pages as u32 {
            let reply = leaderboard::leaderboard(&ctx, Category::Kills, page).await.unwrap();
            assert_eq!(reply.pages.unwrap().page, page);
            for p in reply.data["players"].as_array().unwrap() {
                ranked.push(p["guid"].as_str().unwrap().to_owned());
            }
            assert!(reply.posts.iter().all(|p| p.fits_discord()));
        }
        let want: Vec<String> = expected.iter().map(|t| t.guid.clone()).collect();
        assert_eq!(ranked, want, "{}: every qualifying player once, in order", t.kind);
        // Past the last page: the last page.
        let past = leaderboard::leaderboard(&ctx, Category::Kills, 99).await.unwrap();
        assert_eq!(past.pages.unwrap().page as usize, pages);

        // Accuracy is Σhits/Σshots per player (no join multiplies it), ranked down.
        let acc = leaderboard::leaderboard(&ctx, Category::Accuracy, 1).await.unwrap();
        let listed = acc.data["players"].as_array().unwrap();
        assert!(!listed.is_empty(), "{}", t.kind);
        for p in listed {
            let row = totals.iter().find(|t| t.guid == p["guid"]).unwrap();
            assert!(row.rounds > 50 && row.shots > 1000);
            let want = row.hits as f64 * 100.0 / row.shots as f64;
            assert!((p["value"].as_f64().unwrap() - want).abs() < 1e-9);
        }
        let values: Vec<f64> = listed.iter().map(|p| p["value"].as_f64().unwrap()).collect();
        assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
        // Teamwork ranks up: least team damage first.
        let team = leaderboard::leaderboard(&ctx, Category::Teamwork, 1).await.unwrap();
        let values: Vec<f64> = team.data["players"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].as_f64().unwrap())
            .collect();
        assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
        // Every category answers on both databases.
        for category in Category::ALL {
            let reply = leaderboard::leaderboard(&ctx, category, 1).await.unwrap();
            assert_eq!(reply.data["category"], category.key());
        }
        // Names are escaped for Discord.
        assert!(text(&first).contains("**vid**"), "{}", text(&first));
    }
}

#[tokio::test]
async fn compare_marks_the_better_player_of_each_number() {
    for t in db::all().await {
        let ctx = imported(&t).await;
        let reply = compare::compare(
            &ctx,
            &Who::Text("vid".into()),
            &Who::Text("SuperBoyy".into()),
            &user(1),
        )
        .await
        .unwrap();
        let metrics = reply.data["metrics"].as_array().unwrap();
        let kills = metrics.iter().find(|m| m["metric"] == "Kills").unwrap();
        assert_eq!(kills["first"], 2274.0, "{}", t.kind);
        assert_eq!(kills["second"], 2230.0);
        let wins = reply.data["wins"].as_array().unwrap();
        let counted = metrics
            .iter()
            .filter(|m| {
                let (a, b) = (m["first"].as_f64().unwrap(), m["second"].as_f64().unwrap());
                if m["higher_wins"].as_bool().unwrap() { a > b } else { a < b }
            })
            .count();
        assert_eq!(wins[0], counted as u64);
        // The radar: one square PNG, the original's five axes from the stored totals.
        assert_eq!(reply.attachments.len(), 1, "{}", t.kind);
        let image = &reply.attachments[0];
        assert_eq!(
            (image.filename.as_str(), image.width, image.height),
            ("compare-radar.png", 1000, 1000)
        );
        assert_eq!(&image.png[1..4], b"PNG");
        let totals = |guid: String| {
            let db = t.db.clone();
            async move {
                entity::player_totals::Entity::find_by_id(guid).one(&db).await.unwrap().unwrap()
            }
        };
        let first = totals(reply.data["first"]["guid"].as_str().unwrap().to_owned()).await;
        let second = totals(reply.data["second"]["guid"].as_str().unwrap().to_owned()).await;
        let radar = reply.data["radar"].as_array().unwrap();
        let axes: Vec<(&str, f64)> = radar
            .iter()
            .map(|a| (a["axis"].as_str().unwrap(), a["full"].as_f64().unwrap()))
            .collect();
        assert_eq!(
            axes,
            [
                ("K/D", 5.0),
                ("Accuracy %", 50.0),
                ("DPM", 1000.0),
                ("Head hits %", 50.0),
                ("Rounds", 500.0)
            ]
        );
        let kd = |m: &entity::player_totals::Model| m.kills as f64 / m.deaths.max(1) as f64;
        assert!((radar[0]["first"].as_f64().unwrap() - kd(&first)).abs() < 1e-9);
        assert!((radar[0]["second"].as_f64().unwrap() - kd(&second)).abs() < 1e-9);
        let accuracy = |m: &entity::player_totals::Model| 100.0 * m.hits as f64 / m.shots as f64;
        assert!((radar[1]["first"].as_f64().unwrap() - accuracy(&first)).abs() < 1e-9);
        let dpm = |m: &entity::player_totals::Model| {
            m.damage_given as f64 * 60.0 / m.time_played_seconds as f64
        };
        assert!((radar[2]["second"].as_f64().unwrap() - dpm(&second)).abs() < 1e-9);
        assert_eq!(radar[4]["first"].as_f64().unwrap(), first.rounds as f64);
        assert!(matches!(
            compare::compare(
                &ctx,
                &Who::Text("vid".into()),
                &Who::Text("D8423F90".into()),
                &user(1)
            )
            .await,
            Err(CommandError::Invalid(_))
        ));
    }
}

#[tokio::test]
async fn sessions_follow_the_stored_session_boundaries() {
    for t in db::all().await {
        let ctx = imported(&t).await;
        let stored = gaming_sessions::Entity::find()
            .order_by_desc(gaming_sessions::Column::Id)
            .all(&t.db)
            .await
            .unwrap();
        assert!(stored.len() > 20, "{}", t.kind);
        let list = sessions::sessions(&ctx, None).await.unwrap();
        let ids: Vec<i64> = list.data["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, stored.iter().take(20).map(|s| s.id).collect::<Vec<_>>(), "{}", t.kind);
        let october = sessions::sessions(&ctx, Some("2025-10")).await.unwrap();
        let in_october =
            stored.iter().filter(|s| s.started_at.format("%Y-%m").to_string() == "2025-10").count();
        assert_eq!(october.data["sessions"].as_array().unwrap().len(), in_october);

        // One session by id: its rounds are exactly the rows carrying its id.
        let latest = &stored[0];
        let reply = sessions::session(&ctx, Pick::Id(latest.id)).await.unwrap();
        let rounds_in: Vec<rounds::Model> = rounds::Entity::find()
            .filter(rounds::Column::GamingSessionId.eq(latest.id))
            .filter(rounds::Column::RoundNumber.is_in([1, 2]))
            .all(&t.db)
            .await
            .unwrap();
        assert_eq!(reply.data["rounds"], rounds_in.len() as u64, "{}", t.kind);
        assert_eq!(rounds_in.len() as i32, latest.round_count);
        let round_ids: BTreeSet<i32> = rounds_in.iter().map(|r| r.id).collect();
        let rows: Vec<pcs::Model> = pcs::Entity::find()
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|p| round_ids.contains(&p.round_id))
            .collect();
        let mut kills: BTreeMap<String, i64> = BTreeMap::new();
        for r in &rows {
            *kills.entry(r.player_guid.clone()).or_default() += i64::from(r.kills);
        }
        let listed = reply.data["players"].as_array().unwrap();
        assert_eq!(listed.len(), kills.len());
        for p in listed {
            assert_eq!(p["kills"].as_i64().unwrap(), kills[p["guid"].as_str().unwrap()]);
        }
        let shown: Vec<i64> = listed.iter().map(|p| p["kills"].as_i64().unwrap()).collect();
        assert!(shown.windows(2).all(|w| w[0] >= w[1]));
        assert!(reply.posts.iter().all(|p| p.fits_discord()));

        // By date: every session with a round that day.
        let day = latest.started_at.date();
        let by_date = sessions::session(&ctx, Pick::Date(day)).await.unwrap();
        let that_day: Vec<i64> = stored
            .iter()
            .filter(|s| s.started_at.date() <= day && s.ended_at.date() >= day)
            .map(|s| s.id)
            .rev()
            .collect();
        let got: Vec<i64> = by_date.data["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert_eq!(got, that_day, "{}", t.kind);
        assert!(matches!(
            sessions::session(&ctx, Pick::Date(day - TimeDelta::days(3650))).await,
            Err(CommandError::Empty(_))
        ));
    }
}

#[tokio::test]
async fn last_session_comes_with_five_png_graph_pages_of_the_stated_size() {
    for t in db::all().await {
        let ctx = imported(&t).await;
        let reply = sessions::last_session(&ctx).await.unwrap();
        let latest = gaming_sessions::Entity::find()
            .order_by_desc(gaming_sessions::Column::Id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reply.data["sessions"][0], latest.id, "{}", t.kind);
        // The original's five pages, within Discord's limits for one message's files.
        assert_eq!(reply.attachments.len(), 5);
        let total: usize = reply.attachments.iter().map(|a| a.png.len()).sum();
        assert!(total < charts::MAX_TOTAL_BYTES, "{total} bytes");
        for image in &reply.attachments {
            let decoder = png::Decoder::new(std::io::Cursor::new(&image.png));
            let reader = decoder.read_info().unwrap();
            let info = reader.info();
            assert_eq!(
                (info.width, info.height),
                (image.width, image.height),
                "{}",
                image.filename
            );
            assert!(image.width >= 1000 && image.height >= 500);
            // A real picture: more than a handful of distinct colours.
            let mut reader =
                png::Decoder::new(std::io::Cursor::new(&image.png)).read_info().unwrap();
            let mut pixels = vec![0; reader.output_buffer_size()];
            reader.next_frame(&mut pixels).unwrap();
            let colours: BTreeSet<&[u8]> = pixels.chunks(3).collect();
            assert!(colours.len() > 20, "{}: {} colours", image.filename, colours.len());
        }
        let names: Vec<&str> = reply.attachments.iter().map(|a| a.filename.as_str()).collect();
        assert_eq!(names, charts::PAGE_NAMES);
        assert!(reply.attachments.iter().all(|a| (a.width, a.height) == (1200, 1600)));
    }
}

#[tokio::test]
async fn teams_split_every_player_of_a_session() {
    for t in db::all().await {
        let ctx = imported(&t).await;
        let stored = gaming_sessions::Entity::find()
            .order_by_desc(gaming_sessions::Column::RoundCount)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        let data = sessions::load(&ctx, Pick::Id(stored.id)).await.unwrap().unwrap();
        let lineups = teams::detect(&data);
        let players: BTreeSet<&str> = data.rows.iter().map(|r| r.player_guid.as_str()).collect();
        assert_eq!(lineups.members.len(), players.len(), "{}", t.kind);
        // In every round, each side is (mostly) one team: the split follows who played together.
        let mut agree = 0;
        let mut total = 0;
        for round in &data.rounds {
            let a_side = lineups.side_of_a[&round.id];
            for row in
                data.rows.iter().filter(|r| r.round_id == round.id && (r.team == 1 || r.team == 2))
            {
                total += 1;
                let team = lineups.members[&row.player_guid];
                agree += usize::from((row.team == a_side) == (team == teams::Team::A));
            }
        }
        assert!(agree * 10 >= total * 9, "{agree} of {total}");
        let reply = teams::teams(&ctx, Pick::Id(stored.id)).await.unwrap();
        let listed: usize = reply.data["teams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["players"].as_array().unwrap().len())
            .sum();
        assert_eq!(listed, players.len());
        let won = &reply.data["maps_won"];
        let maps = data
            .rounds
            .iter()
            .filter(|r| r.round_number == 2 && r.round_status != "orphan_r2")
            .count();
        assert_eq!(
            won["a"].as_u64().unwrap()
                + won["b"].as_u64().unwrap()
                + won["undecided"].as_u64().unwrap(),
            maps as u64
        );
    }
}

#[tokio::test]
async fn linking_makes_stats_and_mentions_mean_the_player() {
    for t in db::all().await {
        let ctx = imported(&t).await;
        let (alice, bob) = (user(111), user(222));
        let suggestions = links::link(&ctx, &alice, None, None).await.unwrap();
        assert_eq!(suggestions.data["unlinked"].as_array().unwrap().len(), 3, "{}", t.kind);
        let linked = links::link(&ctx, &alice, None, Some("carniee")).await.unwrap();
        assert_eq!(linked.data["guid"], "0A26D447");
        let mine = stats::stats(&ctx, &Who::Me, &alice).await.unwrap();
        assert_eq!(mine.data["guid"], "0A26D447");
        let mentioned =
            stats::stats(&ctx, &Who::parse(Some("<@111>")).unwrap(), &bob).await.unwrap();
        assert_eq!(mentioned.data["guid"], "0A26D447");
        // Once per account and once per player; others cannot link for someone else.
        assert!(matches!(
            links::link(&ctx, &alice, None, Some("vid")).await,
            Err(CommandError::Refused(_))
        ));
        assert!(matches!(
            links::link(&ctx, &bob, None, Some("0A26D447")).await,
            Err(CommandError::Refused(_))
        ));
        assert!(matches!(
            links::link(&ctx, &bob, Some((333, "carol".into())), Some("vid")).await,
            Err(CommandError::Refused(_))
        ));
        let admin = Caller { admin: true, ..user(999) };
        let for_carol =
            links::link(&ctx, &admin, Some((333, "carol".into())), Some("vid")).await.unwrap();
        assert_eq!(for_carol.data["discord_id"], 333);
        // Names are matched without case; the link shows in the result.
        let found = links::find_player(&ctx, "CARN").await.unwrap();
        assert_eq!(found.data["players"][0]["guid"], "0A26D447");
        assert_eq!(found.data["players"][0]["linked"], true);
        links::unlink(&ctx, &alice, None).await.unwrap();
        assert!(matches!(
            stats::stats(&ctx, &Who::Me, &alice).await,
            Err(CommandError::NotLinked { .. })
        ));
        assert!(matches!(
            links::unlink(&ctx, &alice, None).await,
            Err(CommandError::NotLinked { .. })
        ));
    }
}

#[tokio::test]
async fn achievements_season_and_help_answer_from_the_data() {
    for t in db::all().await {
        let ctx = imported(&t).await;
        let reply =
            achievements::achievements(&ctx, &Who::Text("vid".into()), &user(1)).await.unwrap();
        let kills = reply.data["ladders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["ladder"] == "Kills")
            .unwrap()
            .clone();
        assert_eq!(kills["value"], 2274.0, "{}", t.kind);
        assert_eq!(kills["tiers_reached"], 1, "past 1,000, not 5,000");
        assert!(reply.data["badges"].as_str().unwrap().contains("🎯"));
        let legend = achievements::achievements(&ctx, &Who::Me, &user(1)).await.unwrap();
        assert!(legend.data["ladders"].as_array().unwrap().len() >= 8);
        // The season of 2025-11-02 is 2025-Q4; its leaders are those of October's rounds.
        let season = achievements::season(&ctx).await.unwrap();
        assert_eq!(season.data["season"], "2025-Q4");
        let top = season.data["top"].as_array().unwrap();
        assert!(!top.is_empty());
        let kills: Vec<i64> = top.iter().map(|p| p["kills"].as_i64().unwrap()).collect();
        assert!(kills.windows(2).all(|w| w[0] >= w[1]), "{kills:?}");
        let help = help::help(false);
        assert!(help.data["admin_commands"].as_array().unwrap().is_empty());
        assert!(!help::help(true).data["admin_commands"].as_array().unwrap().is_empty());
        assert!(help.posts.iter().all(|p| p.fits_discord()));
    }
}
