//! The views of `!last_session` and `!session` on SQLite and PostgreSQL with every real
//! fixture imported: each view's numbers checked against the stored rows of the session's
//! rounds, every post within Discord's limits, the terminal's `--view`, and an unknown view
//! answered with the list of views.
use std::collections::{BTreeMap, HashMap};

use entity::{
    gaming_sessions, player_comprehensive_stats as pcs, rounds, weapon_comprehensive_stats as wcs,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use slomix::commands::{
    CommandError, Ctx, session_score,
    sessions::{self, Pick, View},
    teams,
};

use crate::{cli::slomix, commands::imported, support::db};

/// The latest session's id and its rounds (1 and 2), in time order.
async fn latest(ctx: &Ctx) -> (i64, Vec<rounds::Model>) {
    let session = gaming_sessions::Entity::find()
        .order_by_desc(gaming_sessions::Column::Id)
        .one(&ctx.db)
        .await
        .unwrap()
        .unwrap();
    let rounds = rounds::Entity::find()
        .filter(rounds::Column::GamingSessionId.eq(session.id))
        .filter(rounds::Column::RoundNumber.is_in([1, 2]))
        .order_by_asc(rounds::Column::RoundAt)
        .all(&ctx.db)
        .await
        .unwrap();
    (session.id, rounds)
}

/// Σ (or max, for sprees) of the session's rows per GUID, straight from the table.
async fn per_player(ctx: &Ctx, round_ids: &[i32]) -> BTreeMap<String, [i64; 7]> {
    let rows = pcs::Entity::find()
        .filter(pcs::Column::RoundId.is_in(round_ids.to_vec()))
        .all(&ctx.db)
        .await;
    let mut out: BTreeMap<String, [i64; 7]> = BTreeMap::new();
    for r in rows.unwrap() {
        let e = out.entry(r.player_guid.clone()).or_default();
        e[0] += i64::from(r.kills);
        e[1] += i64::from(r.dynamites_planted);
        e[2] += i64::from(r.objectives_stolen);
        e[3] = e[3].max(i64::from(r.killing_spree_best));
        e[4] += i64::from(r.revives_given);
        e[5] += i64::from(r.team_damage_given);
        e[6] += i64::from(r.double_kills);
    }
    out
}

fn players(data: &Value) -> HashMap<String, &Value> {
    data["players"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["guid"].as_str().unwrap().to_owned(), p))
        .collect()
}

#[tokio::test]
async fn every_view_shows_the_sums_of_the_sessions_rows() {
    for t in db::all().await {
        let ctx = imported(&t).await;
        let (id, rounds) = latest(&ctx).await;
        let ids: Vec<i32> = rounds.iter().map(|r| r.id).collect();
        let sums = per_player(&ctx, &ids).await;
        assert!(sums.len() >= 6, "{}: a real session: {sums:?}", t.kind);
        let view = |v: View| {
            let ctx = ctx.clone();
            async move { sessions::last_session_view(&ctx, v).await.unwrap() }
        };
        let mut all = Vec::new();

        let combat = view(View::Combat).await;
        let by = players(&combat.data);
        assert_eq!(by.len(), sums.len(), "{}", t.kind);
        for (guid, s) in &sums {
            assert_eq!(by[guid]["kills"], s[0], "{} {guid}", t.kind);
            assert_eq!(by[guid]["team_damage_given"], s[5], "{} {guid}", t.kind);
        }
        assert_eq!(combat.data["view"], "combat");
        all.push(combat);

        let obj = view(View::Objectives).await;
        let by = players(&obj.data);
        for (guid, s) in &sums {
            assert_eq!(by[guid]["dynamites_planted"], s[1], "{} {guid}", t.kind);
            assert_eq!(by[guid]["objectives_stolen"], s[2], "{} {guid}", t.kind);
            assert_eq!(by[guid]["best_spree"], s[3], "{} {guid}", t.kind);
        }
        all.push(obj);

        let support = view(View::Support).await;
        let revives: Vec<i64> = support.data["players"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["revives_given"].as_i64().unwrap())
            .collect();
        assert!(revives.windows(2).all(|w| w[0] >= w[1]), "most revives first: {revives:?}");
        assert_eq!(revives.iter().sum::<i64>(), sums.values().map(|s| s[4]).sum::<i64>());
        all.push(support);

        let sprees = view(View::Sprees).await;
        for (guid, p) in players(&sprees.data) {
            assert_eq!(p["multikills"][0], sums[&guid][6], "{} {guid}", t.kind);
        }
        all.push(sprees);

        let top = view(View::Top).await;
        let kills: Vec<i64> = top.data["players"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kills"].as_i64().unwrap())
            .collect();
        let mut expected: Vec<i64> = sums.values().map(|s| s[0]).collect();
        expected.sort_unstable_by(|a, b| b.cmp(a));
        expected.truncate(10);
        assert_eq!(kills, expected, "{}", t.kind);
        all.push(top);

        // Weapons: each player's weapon kills are the sums of their weapon rows.
        let weapons = view(View::Weapons).await;
        let rows = wcs::Entity::find()
            .filter(wcs::Column::RoundId.is_in(ids.clone()))
            .all(&ctx.db)
            .await
            .unwrap();
        let mut weapon_kills: HashMap<(String, String), i64> = HashMap::new();
        for r in rows {
            *weapon_kills.entry((r.player_guid, r.weapon_name)).or_default() += i64::from(r.kills);
        }
        let mut checked = 0;
        for (guid, p) in players(&weapons.data) {
            let list = p["weapons"].as_array().unwrap();
            let shown: Vec<i64> = list.iter().map(|w| w["kills"].as_i64().unwrap()).collect();
            assert!(shown.windows(2).all(|w| w[0] >= w[1]), "{guid}: {shown:?}");
            for w in list {
                let key = (guid.clone(), w["weapon"].as_str().unwrap().to_owned());
                assert_eq!(w["kills"].as_i64(), weapon_kills.get(&key).copied(), "{key:?}");
                checked += 1;
            }
        }
        assert!(checked > 10, "{}: {checked} weapons checked", t.kind);
        all.push(weapons);

        // Maps: one card per round 1 (and per lone round 2); a map's kills are its rounds'.
        let maps = view(View::MapsFull).await;
        let cards = maps.data["maps"].as_array().unwrap();
        let firsts = rounds.iter().filter(|r| r.round_number == 1).count();
        assert!(cards.len() >= firsts && firsts > 0, "{}: {} maps", t.kind, cards.len());
        let total: i64 = cards.iter().map(|c| c["kills"].as_i64().unwrap()).sum();
        assert_eq!(total, sums.values().map(|s| s[0]).sum::<i64>(), "{}", t.kind);
        for card in cards.iter().filter(|c| !c["round2_id"].is_null() && !c["round1_id"].is_null())
        {
            let both =
                card["r1"]["kills"].as_i64().unwrap() + card["r2"]["kills"].as_i64().unwrap();
            assert_eq!(card["kills"].as_i64().unwrap(), both, "{card}");
        }
        all.push(maps);

        let graphs = view(View::Graphs).await;
        assert_eq!(graphs.attachments.len(), 5);
        assert!(graphs.attachments.iter().all(|a| a.png.starts_with(b"\x89PNG")));
        // The post names the five pages; the data has each shown player's page numbers.
        let listed = &graphs.posts[0].description;
        for page in ["Offense", "Defense & support", "Advanced", "Playstyle", "DPM round by round"]
        {
            assert!(listed.contains(page), "{listed}");
        }
        let shown = graphs.data["players"].as_array().unwrap();
        assert!(!shown.is_empty() && shown.len() <= 16);
        for p in shown {
            assert!(p["playstyle"].is_string() && p["form"].is_string(), "{p}");
            let survival = p["survival_percent"].as_f64().unwrap();
            assert!((0.0..=100.0).contains(&survival), "{p}");
        }
        assert_eq!(shown[0]["colour"], "#E6194B", "the session's first player is red");

        for reply in &all {
            assert!(reply.posts.iter().all(|p| p.fits_discord()), "{}", reply.data["view"]);
            assert_eq!(reply.data["sessions"][0], id);
            assert!(reply.attachments.is_empty());
        }
        // `!session <id> <view>` is the same view of that session.
        let by_id = sessions::session_view(&ctx, Pick::Id(id), View::Objectives).await.unwrap();
        assert_eq!(by_id.data, all[1].data, "{}", t.kind);
    }
}

#[tokio::test]
async fn the_terminal_prints_a_view_and_names_the_views_for_a_wrong_one() {
    let t = db::sqlite().await;
    let ctx = imported(&t).await;
    let (id, rounds) = latest(&ctx).await;
    let ids: Vec<i32> = rounds.iter().map(|r| r.id).collect();
    let sums = per_player(&ctx, &ids).await;
    let run = |args: &[&str]| slomix().args(args).env("DATABASE_URL", &t.url).output().unwrap();
    let out = run(&["session", &id.to_string(), "--view", "obj", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["view"], "obj");
    for (guid, p) in players(&json) {
        assert_eq!(p["dynamites_planted"], sums[&guid][1], "{guid}");
    }
    let text = run(&["last-session", "--view", "maps full"]);
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.status.success() && shown.contains("Maps, round by round") && shown.contains("R2:"),
        "{shown}"
    );
    let bad = run(&["last-session", "--view", "nope"]);
    assert_eq!(bad.status.code(), Some(1));
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(
        said.contains("top, combat, obj, weapons, support, sprees, maps, maps full, graphs"),
        "{said}"
    );
    match View::parse(Some("graphz")) {
        Err(CommandError::Invalid(text)) => assert!(text.contains("graphs"), "{text}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_stopwatch_score_follows_each_maps_round_outcomes() {
    for t in db::all().await {
        let ctx = imported(&t).await;
        let (_, rounds) = latest(&ctx).await;
        let data = sessions::load(&ctx, Pick::Latest).await.unwrap().unwrap();
        let lineups = teams::detect(&data);
        let reply = session_score::session_score(&ctx, Pick::Latest).await.unwrap();
        let score = &reply.data["score"];
        let maps = score["maps"].as_array().unwrap();
        let pairs: Vec<(&rounds::Model, &rounds::Model)> = rounds
            .iter()
            .filter(|r| r.round_number == 2 && r.round_status != "orphan_r2")
            .filter_map(|r2| {
                rounds
                    .iter()
                    .find(|r| r.round_number == 1 && r.match_id == r2.match_id)
                    .map(|r1| (r1, r2))
            })
            .collect();
        assert_eq!(maps.len(), pairs.len(), "{}: one entry per map with both rounds", t.kind);
        assert!(maps.len() >= 5, "{}: {}", t.kind, maps.len());
        let (mut a, mut b) = (0, 0);
        let mut seen = std::collections::HashSet::new();
        for (map, (r1, r2)) in maps.iter().zip(&pairs) {
            assert_eq!(map["round1_file"], r1.filename.as_str());
            assert_eq!(map["round2_file"], r2.filename.as_str());
            assert_eq!(map["round1_seconds"], r1.actual_time_seconds);
            assert_eq!(map["round2_seconds"], r2.actual_time_seconds);
            assert_eq!(map["map"], r1.map_name.as_str());
            // Round 1's attackers are the team not on the side defending it.
            let attackers_a = lineups.side_of_a[&r1.id] != r1.defender_team;
            let (team1, team2) =
                if attackers_a { ("team_a", "team_b") } else { ("team_b", "team_a") };
            let expected = match (r1.round_outcome.as_str(), r2.round_outcome.as_str()) {
                (_, "time_beaten") => team2,
                ("time_set", "fullhold") => team1,
                _ => "draw",
            };
            assert_eq!(
                map["winner"], expected,
                "{}: {} / {}",
                t.kind, r1.filename, r2.round_outcome
            );
            seen.insert(expected);
            match expected {
                "team_a" => a += 2,
                "team_b" => b += 2,
                _ => {
                    a += 1;
                    b += 1;
                }
            }
        }
        assert!(
            seen.len() >= 2,
            "{}: the fixtures have more than one kind of result: {seen:?}",
            t.kind
        );
        assert_eq!(
            (score["team_a"]["points"].as_i64(), score["team_b"]["points"].as_i64()),
            (Some(a), Some(b))
        );
        let listed = score["team_a"]["players"].as_array().unwrap().len()
            + score["team_b"]["players"].as_array().unwrap().len();
        assert_eq!(listed, lineups.members.len());
        // The same score in the session summary's data and in `!teams`.
        let summary = sessions::session(&ctx, Pick::Latest).await.unwrap();
        assert_eq!(&summary.data["score"], score, "{}", t.kind);
        assert!(
            summary.posts[0]
                .fields
                .iter()
                .any(|f| f.name == format!("🏁 Stopwatch: Team A {a} – {b} Team B"))
        );
        assert!(summary.posts.iter().all(|p| p.fits_discord()));
        let teams = teams::teams(&ctx, Pick::Latest).await.unwrap();
        assert_eq!(&teams.data["score"], score);
    }
}

#[tokio::test]
async fn the_terminal_carries_the_score_in_session_json() {
    let t = db::sqlite().await;
    imported(&t).await;
    let run = |args: &[&str]| slomix().args(args).env("DATABASE_URL", &t.url).output().unwrap();
    for args in
        [&["last-session", "--json"][..], &["session", "--json"], &["session-score", "--json"]]
    {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let score = &json["score"];
        for team in ["team_a", "team_b"] {
            assert!(
                score[team]["name"].is_string() && score[team]["players"].is_array(),
                "{args:?}"
            );
            assert!(score[team]["points"].is_u64(), "{args:?}");
        }
        let map = &score["maps"][0];
        for key in
            ["map", "round1_file", "round2_file", "round1_seconds", "round2_seconds", "winner"]
        {
            assert!(!map[key].is_null(), "{args:?}: {key}");
        }
        assert!(["team_a", "team_b", "draw"].contains(&map["winner"].as_str().unwrap()));
    }
}

/// `!recap`: the MVP (best DPM among players with at least half the most rounds), the top
/// three by DPM, the personal bests (best round's kills and damage above every earlier round of
/// the player) and the badge tiers reached in the session's rounds, each computed here from
/// the stored rows; the post within Discord's limits.
#[tokio::test]
async fn the_recap_names_the_mvp_top_dpm_personal_bests_and_badges_from_the_rows() {
    use entity::achievement_unlocks;
    use slomix::commands::recap;
    for t in db::all().await {
        let ctx = imported(&t).await;
        let (mut with_bests, mut with_badges) = (0, 0);
        for session in gaming_sessions::Entity::find().all(&ctx.db).await.unwrap() {
            let id = session.id;
            let rounds = rounds::Entity::find()
                .filter(rounds::Column::GamingSessionId.eq(id))
                .filter(rounds::Column::RoundNumber.is_in([1, 2]))
                .order_by_asc(rounds::Column::RoundAt)
                .all(&ctx.db)
                .await
                .unwrap();
            let round_ids: Vec<i32> = rounds.iter().map(|r| r.id).collect();
            let rows = pcs::Entity::find()
                .filter(pcs::Column::RoundId.is_in(round_ids.clone()))
                .all(&ctx.db)
                .await
                .unwrap();
            // (damage, seconds, rounds) per GUID.
            let mut sums: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
            for r in &rows {
                let e = sums.entry(r.player_guid.clone()).or_default();
                e.0 += i64::from(r.damage_given);
                e.1 += i64::from(r.time_played_seconds);
                e.2 += 1;
            }
            let dpm =
                |(d, s, _): (i64, i64, i64)| if s > 0 { d as f64 * 60.0 / s as f64 } else { 0.0 };
            let most = sums.values().map(|v| v.2).max().unwrap();
            let mvp = sums
                .iter()
                .filter(|(_, v)| v.2 * 2 >= most)
                .max_by(|a, b| dpm(*a.1).total_cmp(&dpm(*b.1)))
                .map(|(g, _)| g.clone())
                .unwrap();
            let mut by_dpm: Vec<(String, f64)> =
                sums.iter().map(|(g, v)| (g.clone(), dpm(*v))).collect();
            by_dpm.sort_by(|a, b| b.1.total_cmp(&a.1));
            let reply = recap::recap(&ctx, Pick::Id(id)).await.unwrap();
            let data = &reply.data;
            assert_eq!(data["sessions"][0], id, "{}", t.kind);
            assert_eq!(data["mvp"], mvp.as_str(), "{}", t.kind);
            let top: Vec<&str> = data["top_dpm"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["guid"].as_str().unwrap())
                .collect();
            let want: Vec<&str> = by_dpm.iter().take(3).map(|(g, _)| g.as_str()).collect();
            assert_eq!(top, want, "{}", t.kind);
            // Personal bests against every earlier round (rounds 1 and 2) of the player.
            let started = rounds.first().unwrap().round_at;
            let earlier: Vec<i32> = rounds::Entity::find()
                .filter(rounds::Column::RoundAt.lt(started))
                .all(&ctx.db)
                .await
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect();
            let history = pcs::Entity::find()
                .filter(pcs::Column::RoundId.is_in(earlier))
                .filter(pcs::Column::RoundNumber.is_in([1, 2]))
                .all(&ctx.db)
                .await
                .unwrap();
            let mut want_bests = Vec::new();
            for guid in sums.keys() {
                let best = |rows: &[pcs::Model], f: fn(&pcs::Model) -> i32| {
                    rows.iter()
                        .filter(|r| &r.player_guid == guid && r.round_number != 0)
                        .map(f)
                        .max()
                        .unwrap_or(0)
                };
                for (what, f) in [
                    ("damage", (|r: &pcs::Model| r.damage_given) as fn(&pcs::Model) -> i32),
                    ("kills", |r: &pcs::Model| r.kills),
                ] {
                    let (now, was) = (best(&rows, f), best(&history, f));
                    if now > was && was > 0 {
                        want_bests.push((
                            guid.clone(),
                            what.to_owned(),
                            i64::from(now),
                            i64::from(was),
                        ));
                    }
                }
            }
            want_bests.sort();
            with_bests += usize::from(!want_bests.is_empty());
            let mut got: Vec<(String, String, i64, i64)> = data["personal_bests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| {
                    (
                        b["guid"].as_str().unwrap().to_owned(),
                        b["what"].as_str().unwrap().to_owned(),
                        b["tonight"].as_i64().unwrap(),
                        b["before"].as_i64().unwrap(),
                    )
                })
                .collect();
            got.sort();
            assert_eq!(got, want_bests, "{}", t.kind);
            let reached = achievement_unlocks::Entity::find()
                .filter(achievement_unlocks::Column::RoundId.is_in(round_ids))
                .all(&ctx.db)
                .await
                .unwrap();
            assert_eq!(data["badges"].as_array().unwrap().len(), reached.len(), "{}", t.kind);
            with_badges += usize::from(!reached.is_empty());
            let post = &reply.posts[0];
            assert!(post.title.starts_with("🌙 Session recap: "), "{}", post.title);
            let mvp_field = post.fields.iter().find(|f| f.name == "⭐ MVP").unwrap();
            assert!(mvp_field.value.contains(" DPM"), "{}", mvp_field.value);
            assert!(
                post.fields.len() <= 25
                    && post.fields.iter().all(|f| f.value.chars().count() <= 1024)
            );
            assert!(post.description.chars().count() <= 4096);
        }
        assert!(
            with_bests >= 3 && with_badges >= 1,
            "{}: {with_bests} sessions with personal bests, {with_badges} with badges",
            t.kind
        );
    }
}
