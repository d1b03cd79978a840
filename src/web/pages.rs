//! The site's pages and its JSON API. Each page asks the command layer (so it shows what
//! `!stats`, `!last_session`, `!leaderboard` and the terminal show) and adds what only a page
//! can: lists that link to each other, a player's history as server-drawn SVG, every view of
//! a session at once. Ids in paths are checked before any query; what does not exist is a
//! 404, what cannot be read a 400.
use std::fmt::Write as _;

use actix_web::{HttpResponse, web};
use entity::{gaming_sessions, player_comprehensive_stats as pcs, player_totals, rounds};
use maud::{Markup, PreEscaped, html};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use serde::Deserialize;

use super::{
    WebState,
    error::WebError,
    html::{cards, layout, message},
};
use crate::{
    commands::{
        Caller, CommandError, Ctx, achievements, charts,
        gaming_session::{Pick, load},
        leaderboard::{self, Category, Slice},
        list_players, players, records,
        session_views::View,
        sessions, stats, weapons,
    },
    render,
};

type Page = Result<HttpResponse, WebError>;

fn page(title: &str, body: Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(layout(title, body).into_string())
}

fn json(value: &serde_json::Value) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(value.to_string())
}

/// The stylesheet.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(super::html::STYLESHEET)
}

/// Any other path.
pub async fn not_found() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound("there is no page here".into()))
}

/// A GUID from a path: 8 hex digits (with `#n` for a shared one), of a stored player.
async fn known_guid(ctx: &Ctx, text: &str) -> Result<String, WebError> {
    if !players::looks_like_guid(text) {
        return Err(WebError::BadRequest("a player is named by their GUID (8 hex digits)".into()));
    }
    let guid = text.to_uppercase();
    match player_totals::Entity::find_by_id(guid.clone()).one(&ctx.db).await? {
        Some(_) => Ok(guid),
        None => Err(WebError::NotFound("no player with that GUID".into())),
    }
}

/// A gaming session id from a path (`YYYYMMDDHHMMSS`).
fn session_id(text: &str) -> Result<i64, WebError> {
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebError::BadRequest("a session id is 14 digits (YYYYMMDDHHMMSS)".into()));
    }
    text.parse().map_err(WebError::bad)
}

/// A row id from a path.
fn row_id(text: &str) -> Result<i32, WebError> {
    match text.parse::<i32>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(WebError::BadRequest("an id is a whole number from 1".into())),
    }
}

/// The link of a player's page.
pub fn player_href(guid: &str) -> String {
    format!("/players/{}", guid.replace('#', "%23"))
}

fn latest_rounds_list(rows: &[rounds::Model]) -> Markup {
    html! {
        ul.list {
            @for r in rows {
                li {
                    a href=(format!("/rounds/{}", r.id)) {
                        (r.round_at.format("%Y-%m-%d %H:%M").to_string()) " · " (r.map_name)
                        @match r.round_number { 0 => " · match", 1 => " · round 1", _ => " · round 2" }
                    }
                }
            }
        }
    }
}

/// `/`: the latest session with its score, the season's leaders, the latest rounds.
pub async fn home(state: web::Data<WebState>) -> Page {
    let ctx = state.ctx();
    let latest = gaming_sessions::Entity::find()
        .order_by_desc(gaming_sessions::Column::Id)
        .one(&ctx.db)
        .await?;
    let session = match &latest {
        Some(s) => Some((s.id, sessions::session_view(&ctx, Pick::Id(s.id), View::Summary).await?)),
        None => None,
    };
    let season = match achievements::season(&ctx).await {
        Ok(reply) => Some(reply),
        Err(CommandError::Empty(_)) => None,
        Err(error) => return Err(error.into()),
    };
    let recent = rounds::Entity::find()
        .order_by_desc(rounds::Column::RoundAt)
        .order_by_desc(rounds::Column::Id)
        .limit(10)
        .all(&ctx.db)
        .await?;
    Ok(page(
        "Community stats",
        html! {
            @match &session {
                Some((id, reply)) => {
                    h2 { a href=(format!("/sessions/{id}")) { "Latest session" } }
                    (cards(&reply.posts))
                }
                None => { (message("No gaming session is stored yet.")) }
            }
            @if let Some(season) = &season { (cards(&season.posts)) }
            h2 { "Latest rounds" }
            (latest_rounds_list(&recent))
        },
    ))
}

/// `?q=` and `?page=`.
#[derive(Debug, Deserialize)]
pub struct PlayersQuery {
    q: Option<String>,
    page: Option<u32>,
}

/// `/players`: a search with `!stats`' name matching, or every player, paged.
pub async fn players(state: web::Data<WebState>, query: web::Query<PlayersQuery>) -> Page {
    let ctx = state.ctx();
    let search = html! {
        form method="get" action="/players" {
            input type="search" name="q" placeholder="name or GUID" maxlength="64"
                value=(query.q.clone().unwrap_or_default());
            " " button type="submit" { "Find" }
        }
    };
    let Some(text) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) else {
        let page_no = query.page.unwrap_or(1).clamp(1, 10_000);
        let reply = list_players::list_players(&ctx, list_players::Filter::All, page_no).await?;
        let list = reply.data["players"].as_array().cloned().unwrap_or_default();
        return Ok(page(
            "Players",
            html! {
                (search)
                ul.list {
                    @for p in &list {
                        li { a href=(player_href(p["guid"].as_str().unwrap_or_default())) { (p["name"].as_str().unwrap_or_default()) } }
                    }
                }
                p {
                    @if page_no > 1 { a href=(format!("/players?page={}", page_no - 1)) { "← previous" } " " }
                    a href=(format!("/players?page={}", page_no + 1)) { "next →" }
                }
            },
        ));
    };
    if text.chars().count() > 64 {
        return Err(WebError::BadRequest("a search is at most 64 characters".into()));
    }
    let found: Vec<(String, String)> = match players::resolve(
        &ctx,
        &players::Who::Text(text.to_owned()),
        &Caller::default(),
    )
    .await
    {
        Ok(one) => vec![(one.guid, one.name)],
        Err(CommandError::Ambiguous { candidates, .. }) => {
            candidates.into_iter().map(|c| (c.guid, c.name)).collect()
        }
        Err(CommandError::NotFound { .. }) => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    Ok(page(
        "Players",
        html! {
            (search)
            @if found.is_empty() { (message("No player matches that.")) }
            ul.list {
                @for (guid, name) in &found { li { a href=(player_href(guid)) { (name) } } }
            }
        },
    ))
}

/// One player's numbers per gaming session, oldest first: (session, kills, deaths, damage,
/// seconds played).
async fn per_session(
    db: &impl ConnectionTrait,
    guid: &str,
) -> Result<Vec<(i64, i64, i64, i64, i64)>, DbErr> {
    let backend = db.get_database_backend();
    let guid_param = if backend == sea_orm::DatabaseBackend::Postgres { "$1" } else { "?" };
    let sql = format!(
        "SELECT r.gaming_session_id AS s, SUM(p.kills) AS k, SUM(p.deaths) AS d, \
         SUM(p.damage_given) AS g, SUM(p.time_played_seconds) AS t \
         FROM player_comprehensive_stats p JOIN rounds r ON r.id = p.round_id \
         WHERE p.player_guid = {guid_param} AND p.round_number IN (1, 2) \
         AND r.gaming_session_id IS NOT NULL \
         GROUP BY r.gaming_session_id ORDER BY r.gaming_session_id"
    );
    let rows =
        db.query_all_raw(Statement::from_sql_and_values(backend, sql, [guid.into()])).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push((
            row.try_get::<i64>("", "s")?,
            row.try_get::<i64>("", "k")?,
            row.try_get::<i64>("", "d")?,
            row.try_get::<i64>("", "g")?,
            row.try_get::<i64>("", "t")?,
        ));
    }
    Ok(out)
}

/// A line chart of `values` (one per session) as SVG text, drawn by plotters.
fn svg_line(title: &str, values: &[f64]) -> String {
    use plotters::prelude::*;
    let mut out = String::new();
    if values.is_empty() || !charts::font_ready() {
        return out;
    }
    {
        let root = SVGBackend::with_string(&mut out, (640, 260)).into_drawing_area();
        let _ = root.fill(&RGBColor(31, 35, 41));
        let top = values.iter().copied().fold(0.0_f64, f64::max).max(1.0) * 1.1;
        let n = values.len().max(2);
        let chart = ChartBuilder::on(&root)
            .caption(title, (charts::FAMILY, 20).into_font().color(&WHITE))
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(44)
            .build_cartesian_2d(0..n - 1, 0.0..top);
        if let Ok(mut chart) = chart {
            let _ = chart
                .configure_mesh()
                .disable_mesh()
                .axis_style(RGBColor(120, 120, 120))
                .label_style((charts::FAMILY, 13).into_font().color(&RGBColor(200, 200, 200)))
                .x_desc("sessions")
                .draw();
            let _ = chart.draw_series(LineSeries::new(
                values.iter().enumerate().map(|(i, v)| (i, *v)),
                RGBColor(94, 203, 255).stroke_width(2),
            ));
        }
        let _ = root.present();
    }
    out
}

/// `/players/{guid}`: lifetime numbers, badges, weapons, K/D and DPM over the sessions,
/// the sessions played and the latest rounds.
pub async fn player(state: web::Data<WebState>, path: web::Path<String>) -> Page {
    let ctx = state.ctx();
    let guid = known_guid(&ctx, &path).await?;
    let who = players::Who::Text(guid.clone());
    let caller = Caller::default();
    let lifetime = stats::stats(&ctx, &who, &caller).await?;
    let badges = achievements::achievements(&ctx, &who, &caller).await.ok();
    let arms = weapons::weapons(&ctx, &who, &caller).await.ok();
    let resolved = players::Resolved {
        guid: guid.clone(),
        name: lifetime.data["name"].as_str().unwrap_or(&guid).to_owned(),
    };
    let rated = crate::commands::rating::rating_of(&ctx, &resolved, false).await.ok();
    let history = per_session(&ctx.db, &guid).await?;
    let kd: Vec<f64> =
        history.iter().map(|(_, k, d, _, _)| *k as f64 / (*d).max(1) as f64).collect();
    let dpm: Vec<f64> = history
        .iter()
        .map(|(_, _, _, g, t)| if *t > 0 { *g as f64 * 60.0 / *t as f64 } else { 0.0 })
        .collect();
    let recent = pcs::Entity::find()
        .filter(pcs::Column::PlayerGuid.eq(guid.as_str()))
        .filter(pcs::Column::RoundNumber.is_in([1, 2]))
        .order_by_desc(pcs::Column::RoundId)
        .limit(15)
        .all(&ctx.db)
        .await?;
    let name = lifetime.data["name"].as_str().unwrap_or(&guid).to_owned();
    Ok(page(
        &name,
        html! {
            (cards(&lifetime.posts))
            @if let Some(b) = &badges { (cards(&b.posts)) }
            @if let Some(w) = &arms { (cards(&w.posts)) }
            @if !history.is_empty() {
                section.card {
                    h2 { "Over time" }
                    div.chart { (PreEscaped(svg_line("K/D per session", &kd))) }
                    div.chart { (PreEscaped(svg_line("DPM per session", &dpm))) }
                }
                section.card {
                    h2 { "Sessions played (" (history.len()) ")" }
                    ul.list {
                        @for (id, k, d, _, _) in history.iter().rev().take(30) {
                            li { a href=(format!("/sessions/{id}")) { (id) } " · " (k) " kills, " (d) " deaths" }
                        }
                    }
                }
            }
            @if let Some(r) = &rated {
                (cards(&r.posts))
                section.card {
                    h2 { "Rating over time" }
                    div.chart { (PreEscaped(svg_line("Rating after each map", &rating_line(&r.data)))) }
                }
            }
            section.card {
                h2 { "Latest rounds" }
                ul.list {
                    @for r in &recent {
                        li { a href=(format!("/rounds/{}", r.round_id)) { (r.round_date) " · " (r.map_name) " · round " (r.round_number) } " · " (r.kills) " kills" }
                    }
                }
            }
        },
    ))
}

/// The ratings of a `!rating` reply's history, oldest first.
fn rating_line(data: &serde_json::Value) -> Vec<f64> {
    data["history"].as_array().into_iter().flatten().filter_map(|p| p["rating"].as_f64()).collect()
}

/// `?page=`.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<u32>,
}

/// `/sessions`: every gaming session, newest first, 30 a page.
pub async fn sessions(state: web::Data<WebState>, query: web::Query<PageQuery>) -> Page {
    let ctx = state.ctx();
    let page_no = query.page.unwrap_or(1).clamp(1, 100_000);
    let total = gaming_sessions::Entity::find().count(&ctx.db).await?;
    let list = gaming_sessions::Entity::find()
        .order_by_desc(gaming_sessions::Column::Id)
        .offset(u64::from(page_no - 1) * 30)
        .limit(30)
        .all(&ctx.db)
        .await?;
    Ok(page(
        "Gaming sessions",
        html! {
            p { (total) " sessions" }
            ul.list {
                @for s in &list {
                    li {
                        a href=(format!("/sessions/{}", s.id)) { (s.started_at.format("%Y-%m-%d %H:%M").to_string()) }
                        " · " (s.round_count) " rounds"
                    }
                }
            }
            p {
                @if page_no > 1 { a href=(format!("/sessions?page={}", page_no - 1)) { "← newer" } " " }
                @if u64::from(page_no) * 30 < total { a href=(format!("/sessions?page={}", page_no + 1)) { "older →" } }
            }
        },
    ))
}

/// `/sessions/{id}`: every view of the session, its score and its five graph pages.
pub async fn session(state: web::Data<WebState>, path: web::Path<String>) -> Page {
    let ctx = state.ctx();
    let id = session_id(&path)?;
    let Some(data) = load(&ctx, Pick::Id(id)).await? else {
        return Err(WebError::NotFound("no gaming session with that id".into()));
    };
    let mut body = String::new();
    for view in View::names() {
        let view = View::parse(Some(view)).map_err(WebError::from)?;
        if view == View::Graphs {
            continue;
        }
        let reply = sessions::show(&ctx, &data, view, false).await?;
        let _ = write!(
            body,
            "<h2 id=\"{}\">{}</h2>",
            view.key().replace(' ', "-"),
            maud::html! { (view.key()) }.into_string()
        );
        body.push_str(&cards(&reply.posts).into_string());
    }
    let graphs = html! {
        h2 id="graphs" { "graphs" }
        @for (n, line) in sessions::GRAPH_PAGES.iter().enumerate() {
            figure {
                img src=(format!("/sessions/{id}/graphs/{}.svg", n + 1)) alt=(line) width="1000" loading="lazy";
                figcaption { (line) }
            }
        }
    };
    Ok(page(
        &format!("Session {}", data.started().format("%Y-%m-%d %H:%M")),
        html! {
            nav.views {
                @for view in View::names() { a href=(format!("#{}", view.replace(' ', "-"))) { (view) } " " }
            }
            (PreEscaped(body))
            (graphs)
        },
    ))
}

/// `/sessions/{id}/graphs/{n}.svg`: one of the five graph pages as SVG (drawn by the code
/// that draws Discord's PNGs).
pub async fn session_graph_svg(
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
) -> Page {
    let ctx = state.ctx();
    let (id, n) = path.into_inner();
    let (data, n) = graph_of(&ctx, &id, &n).await?;
    let players = crate::commands::gaming_session::aggregate(&data.rows, &Default::default());
    let pages = charts::session_pages_svg(&data, &players).map_err(CommandError::Internal)?;
    let Some(svg) = pages.into_iter().nth(n - 1) else {
        return Err(WebError::NotFound("no such graph page".into()));
    };
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(svg))
}

/// The session and page number a graph path names.
async fn graph_of(
    ctx: &Ctx,
    id: &str,
    n: &str,
) -> Result<(crate::commands::gaming_session::SessionData, usize), WebError> {
    let id = session_id(id)?;
    let n = match n.parse::<usize>() {
        Ok(n @ 1..=5) => n,
        _ => return Err(WebError::NotFound("the graph pages are 1 to 5".into())),
    };
    match load(ctx, Pick::Id(id)).await? {
        Some(data) => Ok((data, n)),
        None => Err(WebError::NotFound("no gaming session with that id".into())),
    }
}

/// `/sessions/{id}/graphs/{n}.png`: one of the five graph pages, as Discord gets it.
pub async fn session_graph(state: web::Data<WebState>, path: web::Path<(String, String)>) -> Page {
    let ctx = state.ctx();
    let (id, n) = path.into_inner();
    let (data, n) = graph_of(&ctx, &id, &n).await?;
    let players = crate::commands::gaming_session::aggregate(&data.rows, &Default::default());
    let pages = charts::session_pages(&data, &players).map_err(CommandError::Internal)?;
    let Some(png) = pages.into_iter().nth(n - 1) else {
        return Err(WebError::NotFound("no such graph page".into()));
    };
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(png.png))
}

/// `/rounds/{id}`: the round as posted, and the other rows of its match.
pub async fn round(state: web::Data<WebState>, path: web::Path<String>) -> Page {
    let ctx = state.ctx();
    let id = row_id(&path)?;
    let Some(round) = rounds::Entity::find_by_id(id).one(&ctx.db).await? else {
        return Err(WebError::NotFound("no round with that id".into()));
    };
    let players = pcs::Entity::find().filter(pcs::Column::RoundId.eq(id)).all(&ctx.db).await?;
    let posts = render::round_posts(&round, &players, render::Names::Plain);
    // The match's rows lie within hours of each other on the same map: the (map, time)
    // index finds them without reading every round.
    let window = chrono::TimeDelta::hours(12);
    let siblings = rounds::Entity::find()
        .filter(rounds::Column::MapName.eq(round.map_name.as_str()))
        .filter(rounds::Column::RoundAt.between(round.round_at - window, round.round_at + window))
        .filter(rounds::Column::MatchId.eq(round.match_id.as_str()))
        .filter(rounds::Column::Id.ne(id))
        .order_by_asc(rounds::Column::RoundNumber)
        .all(&ctx.db)
        .await?;
    Ok(page(
        &format!("{} · {}", round.map_name, round.round_at.format("%Y-%m-%d %H:%M")),
        html! {
            @if let Some(s) = round.gaming_session_id { p { a href=(format!("/sessions/{s}")) { "the session" } } }
            @if !siblings.is_empty() { p { "Same match: " (latest_rounds_list(&siblings)) } }
            (cards(&posts))
            section.card {
                h2 { "Players" }
                ul.list {
                    @for p in &players { li { a href=(player_href(&p.player_guid)) { (p.player_name) } } }
                }
            }
        },
    ))
}

/// `/leaderboards`: the categories.
pub async fn leaderboards() -> Page {
    Ok(page(
        "Leaderboards",
        html! {
            ul.list { @for c in Category::ALL { li { a href=(format!("/leaderboards/{}", c.key())) { (c.key()) } } } }
        },
    ))
}

fn category(text: &str) -> Result<Category, WebError> {
    Category::parse(text).ok_or_else(|| {
        let all: Vec<&str> = Category::ALL.iter().map(|c| c.key()).collect();
        WebError::NotFound(format!("no such leaderboard; there are {}", all.join(", ")))
    })
}

/// `?map=&season=&period=&page=`: a leaderboard's slice.
#[derive(Debug, Deserialize)]
pub struct SliceQuery {
    map: Option<String>,
    season: Option<String>,
    period: Option<String>,
    page: Option<u32>,
}

impl SliceQuery {
    /// The slice asked for, or why it cannot be read. `season` is `YYYY-QN`; `period` the
    /// last `7d`, `30d`, `90d` or `365d` (or `all`); given both, the rounds in both.
    fn slice(&self, now: chrono::NaiveDateTime) -> Result<Slice, WebError> {
        let mut slice = Slice::default();
        let mut label = Vec::new();
        if let Some(map) = self.map.as_deref().filter(|m| !m.is_empty()) {
            slice.map = Some(map_name(map)?.to_owned());
            label.push(map.to_owned());
        }
        if let Some(season) = self.season.as_deref().filter(|s| !s.is_empty()) {
            let bad = || WebError::BadRequest("a season is written YYYY-QN, as 2025-Q4".into());
            let (year, quarter) = season.split_once("-Q").ok_or_else(bad)?;
            let year: i32 = year.parse().map_err(|_| bad())?;
            let quarter: u32 = quarter.parse().map_err(|_| bad())?;
            if !(2000..=2099).contains(&year) || !(1..=4).contains(&quarter) {
                return Err(bad());
            }
            let season = achievements::Season { year, quarter };
            slice.from = season.start().and_hms_opt(0, 0, 0);
            slice.until = season.end().and_hms_opt(0, 0, 0);
            label.push(season.name());
        }
        if let Some(period) = self.period.as_deref().filter(|p| !p.is_empty() && *p != "all") {
            let days = match period {
                "7d" => 7,
                "30d" => 30,
                "90d" => 90,
                "365d" => 365,
                _ => {
                    return Err(WebError::BadRequest(
                        "a period is 7d, 30d, 90d, 365d or all".into(),
                    ));
                }
            };
            let from = now - chrono::TimeDelta::days(days);
            slice.from = Some(slice.from.map_or(from, |f| f.max(from)));
            label.push(format!("last {days} days"));
        }
        slice.label = label.join(" · ");
        Ok(slice)
    }

    /// The query string of this slice at `page`.
    fn href(&self, category: Category, page: u32) -> String {
        let mut out = format!("/leaderboards/{}?page={page}", category.key());
        for (key, value) in [("map", &self.map), ("season", &self.season), ("period", &self.period)]
        {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                let value: String =
                    url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
                out.push_str(&format!("&{key}={value}"));
            }
        }
        out
    }
}

/// `/leaderboards/{category}?map=&season=&period=&page=`: a board over everything, or over
/// a map, a season or the last days (what no Discord command can slice).
pub async fn leaderboard(
    state: web::Data<WebState>,
    path: web::Path<String>,
    query: web::Query<SliceQuery>,
) -> Page {
    let ctx = state.ctx();
    let category = category(&path)?;
    let page_no = query.page.unwrap_or(1).clamp(1, 10_000);
    let slice = query.slice(ctx.now)?;
    let reply = leaderboard::leaderboard_of(&ctx, category, page_no, &slice).await?;
    let rows = reply.data["players"].as_array().cloned().unwrap_or_default();
    Ok(page(
        &format!("Leaderboard: {}", category.key()),
        html! {
            (cards(&reply.posts))
            @if !rows.is_empty() {
                ul.list {
                    @for p in &rows {
                        @if let Some(guid) = p["guid"].as_str() {
                            li { a href=(player_href(guid)) { (p["name"].as_str().unwrap_or(guid)) } }
                        }
                    }
                }
            }
            form method="get" action=(format!("/leaderboards/{}", category.key())) {
                input type="text" name="map" placeholder="map" maxlength="64" value=(query.map.clone().unwrap_or_default());
                " " input type="text" name="season" placeholder="2025-Q4" maxlength="7" value=(query.season.clone().unwrap_or_default());
                " " select name="period" {
                    @for p in ["all", "7d", "30d", "90d", "365d"] {
                        option value=(p) selected[query.period.as_deref() == Some(p)] { (p) }
                    }
                }
                " " button type="submit" { "Slice" }
            }
            p {
                @if page_no > 1 { a href=(query.href(category, page_no - 1)) { "← previous" } " " }
                a href=(query.href(category, page_no + 1)) { "next →" }
            }
        },
    ))
}

/// `/maps`: every map played, most played first.
pub async fn maps(state: web::Data<WebState>) -> Page {
    let ctx = state.ctx();
    let played: Vec<(String, i64)> = rounds::Entity::find()
        .select_only()
        .column(rounds::Column::MapName)
        // COUNT(*): counted from the index alone (m20261204_000011).
        .column_as(sea_orm::sea_query::Expr::cust("COUNT(*)"), "plays")
        .filter(rounds::Column::RoundNumber.eq(1))
        .group_by(rounds::Column::MapName)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let mut played = played;
    played.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(page(
        "Maps",
        html! {
            ul.list {
                @for (map, plays) in &played {
                    li { a href=(format!("/maps/{map}")) { (map) } " · " (plays) " times" }
                }
            }
        },
    ))
}

/// A map name from a path: the characters a stats file name allows.
fn map_name(text: &str) -> Result<&str, WebError> {
    if text.is_empty()
        || text.len() > 64
        || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(WebError::BadRequest("a map name is 1 to 64 of A-Z a-z 0-9 _ -".into()));
    }
    Ok(text)
}

/// `/maps/{name}`: the map's records, how often the attackers finished, average times.
pub async fn map(state: web::Data<WebState>, path: web::Path<String>) -> Page {
    let ctx = state.ctx();
    let name = map_name(&path)?;
    // Per round number and outcome: plays and time (the record index covers it).
    let groups: Vec<(i32, String, i64, Option<i64>)> = rounds::Entity::find()
        .select_only()
        .column(rounds::Column::RoundNumber)
        .column(rounds::Column::RoundOutcome)
        .column_as(rounds::Column::Id.count(), "plays")
        .column_as(rounds::Column::ActualTimeSeconds.sum(), "seconds")
        .filter(rounds::Column::MapName.eq(name))
        .filter(rounds::Column::RoundNumber.is_in([1, 2]))
        .group_by(rounds::Column::RoundNumber)
        .group_by(rounds::Column::RoundOutcome)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    if groups.is_empty() {
        return Err(WebError::NotFound("no rounds on that map".into()));
    }
    let records = records::records(&ctx, Some(name)).await?;
    let mut lines = Vec::new();
    for n in [1, 2] {
        let of: Vec<&(i32, String, i64, Option<i64>)> =
            groups.iter().filter(|g| g.0 == n).collect();
        let plays: i64 = of.iter().map(|g| g.2).sum();
        if plays == 0 {
            continue;
        }
        let finished: i64 = of
            .iter()
            .filter(|g| matches!(g.1.as_str(), "time_set" | "time_beaten"))
            .map(|g| g.2)
            .sum();
        let seconds: i64 = of.iter().map(|g| g.3.unwrap_or(0)).sum();
        lines.push(format!(
            "Round {n}: {plays} played; the attackers finished {finished} ({}%); average time {}",
            finished * 100 / plays,
            render::clock(seconds as f64 / plays as f64)
        ));
    }
    Ok(page(
        name,
        html! {
            (cards(&records.posts))
            section.card {
                h2 { "Sides" }
                @for line in &lines { p { (line) } }
            }
        },
    ))
}

/// `/api/players/{guid}`: `slomix stats GUID --json`.
pub async fn api_player(state: web::Data<WebState>, path: web::Path<String>) -> Page {
    let ctx = state.ctx();
    let guid = known_guid(&ctx, &path).await?;
    let reply = stats::stats(&ctx, &players::Who::Text(guid), &Caller::default()).await?;
    Ok(json(&reply.data))
}

/// `/api/sessions/{id}`: `slomix session ID --json`.
pub async fn api_session(state: web::Data<WebState>, path: web::Path<String>) -> Page {
    let ctx = state.ctx();
    let id = session_id(&path)?;
    let reply = sessions::session(&ctx, Pick::Id(id)).await?;
    Ok(json(&reply.data))
}

/// `/api/leaderboards/{category}?page=` (and the page's slices): `slomix leaderboard
/// CATEGORY --json`, with `"slice"` when sliced.
pub async fn api_leaderboard(
    state: web::Data<WebState>,
    path: web::Path<String>,
    query: web::Query<SliceQuery>,
) -> Page {
    let ctx = state.ctx();
    let category = category(&path)?;
    let slice = query.slice(ctx.now)?;
    let page_no = query.page.unwrap_or(1).clamp(1, 10_000);
    let reply = leaderboard::leaderboard_of(&ctx, category, page_no, &slice).await?;
    Ok(json(&reply.data))
}
