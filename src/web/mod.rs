//! The web: a read-only community site (what the bot shows in Discord, as pages to browse and
//! link to) and the operator endpoints `/health` and `/metrics`, on actix-web inside the
//! daemon's actix system. Pages are built with maud (every splice escaped) from the command
//! layer's replies, so a page shows the numbers `!stats` and the terminal show; the JSON API
//! beside them is those replies' `--json` data. The server handles no signals itself (it
//! would stop the whole System): the daemon stops it with [`Web::stop`].
mod error;
mod html;
mod operator;
mod pages;

use std::{net::SocketAddr, sync::Arc};

use actix::Addr;
use actix_web::{App, HttpServer, dev::ServerHandle, middleware::DefaultHeaders, web};
use sea_orm::DatabaseConnection;

pub use error::WebError;

use crate::{
    actors::health_monitor::HealthMonitor,
    commands::{Ctx, team_records::Memo},
    render::Names,
};

/// What every request works with.
pub struct WebState {
    /// The database (read only).
    pub db: DatabaseConnection,
    /// The health of every actor (`/health`, `actor_up`); none outside the daemon.
    pub health: Option<Addr<HealthMonitor>>,
    /// The game servers' time zone ("today", seasons).
    pub timezone: chrono_tz::Tz,
    /// Session scores kept between requests.
    pub memo: Arc<Memo>,
}

impl WebState {
    /// The command context of a request: plain names (the page escapes them), now.
    fn ctx(&self) -> Ctx {
        let now = chrono::Utc::now().with_timezone(&self.timezone).naive_local();
        Ctx { db: self.db.clone(), names: Names::Plain, now, memo: self.memo.clone(), site: None }
    }
}

/// The Content-Security-Policy of every answer: nothing but this site's own stylesheet and
/// images; no script at all.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The running web server.
pub struct Web {
    /// Where it listens (the port chosen when the setting said 0).
    pub addr: SocketAddr,
    handle: ServerHandle,
}

impl Web {
    /// Stops accepting, lets requests in flight finish (at most 5 s), and returns.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// Binds `addr` (an error when it cannot: the port is taken) and serves the site from the
/// current actix system, on two worker threads.
pub fn start(addr: SocketAddr, state: WebState) -> std::io::Result<Web> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PathConfig::default().error_handler(|e, _| WebError::bad(e).into()))
            .app_data(web::QueryConfig::default().error_handler(|e, _| WebError::bad(e).into()))
            .wrap(
                DefaultHeaders::new()
                    .add(("Content-Security-Policy", CSP))
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "same-origin")),
            )
            .configure(routes)
            .default_service(web::to(pages::not_found))
    })
    .workers(2)
    .disable_signals()
    .shutdown_timeout(5)
    .bind(addr)?;
    let addr = server.addrs().first().copied().unwrap_or(addr);
    let server = server.run();
    let handle = server.handle();
    actix::spawn(async move {
        if let Err(error) = server.await {
            tracing::error!(error = %error, "web server failed");
        }
    });
    tracing::info!(addr = %addr, "web site listening");
    Ok(Web { addr, handle })
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(operator::health))
        .route("/metrics", web::get().to(operator::metrics))
        .route("/static/site.css", web::get().to(pages::stylesheet))
        .route("/", web::get().to(pages::home))
        .route("/players", web::get().to(pages::players))
        .route("/players/{guid}", web::get().to(pages::player))
        .route("/sessions", web::get().to(pages::sessions))
        .route("/sessions/{id}", web::get().to(pages::session))
        .route("/sessions/{id}/graphs/{page}.png", web::get().to(pages::session_graph))
        .route("/sessions/{id}/graphs/{page}.svg", web::get().to(pages::session_graph_svg))
        .route("/rounds/{id}", web::get().to(pages::round))
        .route("/leaderboards", web::get().to(pages::leaderboards))
        .route("/leaderboards/{category}", web::get().to(pages::leaderboard))
        .route("/maps", web::get().to(pages::maps))
        .route("/maps/{name}", web::get().to(pages::map))
        .route("/api/players/{guid}", web::get().to(pages::api_player))
        .route("/api/sessions/{id}", web::get().to(pages::api_session))
        .route("/api/leaderboards/{category}", web::get().to(pages::api_leaderboard));
}
