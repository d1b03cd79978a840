//! The site in real headless Chromium (Debian's `chromium` and `chromium-driver`, driven over
//! WebDriver by fantoccini), on SQLite and PostgreSQL with the real fixtures: a visitor
//! follows links from `/` to a round, a player and a session; the numbers shown are the
//! database's; a 400 px wide window never scrolls sideways; screenshots are not blank.
use std::{process::Stdio, time::Duration};

use entity::{gaming_sessions, player_totals};
use fantoccini::{Client, ClientBuilder, Locator};
use sea_orm::{EntityTrait, QueryOrder};
use slomix::{
    render::thousands,
    web::{self, WebState},
};

use crate::{
    commands::imported,
    support::{db, logs},
};

/// chromedriver on a free port, killed on drop.
struct Driver {
    child: tokio::process::Child,
    port: u16,
}

impl Driver {
    /// Starts chromedriver, or `None` when it is not installed (then the test is skipped,
    /// unless the services are required: `scripts/test` installs it).
    async fn start() -> Option<Driver> {
        let required = std::env::var("SLOMIX_TEST_SERVICES").as_deref() == Ok("required");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = match tokio::process::Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
        {
            Ok(child) => child,
            Err(error) => {
                assert!(!required, "chromedriver: {error} (scripts/test installs chromium-driver)");
                return None;
            }
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "chromedriver listening within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Some(Driver { child, port })
    }

    async fn client(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            serde_json::json!({"args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--disable-gpu", "--window-size=400,800"]}),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn text(client: &Client) -> String {
    let value = client.execute("return document.body.innerText;", vec![]).await.unwrap();
    value.as_str().unwrap_or_default().to_owned()
}

/// How far the page is wider than the window (0: no sideways scroll).
async fn overflow(client: &Client) -> i64 {
    let value = client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    value.as_i64().unwrap_or(i64::MAX)
}

/// A screenshot with more than one colour in it.
async fn not_blank(client: &Client, what: &str) {
    let png = client.screenshot().await.unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let step = info.color_type.samples();
    let first = &pixels[..step];
    let differing = pixels[..info.buffer_size()].chunks(step).filter(|p| *p != first).count();
    assert!(differing > 1000, "{what}: the screenshot is blank ({differing} pixels differ)");
}

#[actix::test]
async fn a_visitor_follows_links_and_sees_the_databases_numbers_on_a_phone() {
    logs();
    let Some(driver) = Driver::start().await else { return };
    for t in db::all().await {
        let _ctx = imported(&t).await;
        let state = WebState {
            db: t.db.clone(),
            health: None,
            timezone: chrono_tz::UTC,
            memo: Default::default(),
        };
        let site = web::start("127.0.0.1:0".parse().unwrap(), state).unwrap();
        let base = format!("http://{}", site.addr);
        let client = driver.client().await;
        client.set_window_size(400, 800).await.unwrap();

        client.goto(&format!("{base}/")).await.unwrap();
        assert_eq!(client.title().await.unwrap(), "Community stats · slomix", "{}", t.kind);
        assert!(overflow(&client).await <= 0, "{}: / scrolls sideways", t.kind);
        not_blank(&client, "/").await;

        // / → the latest session.
        let latest = gaming_sessions::Entity::find()
            .order_by_desc(gaming_sessions::Column::Id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        client
            .find(Locator::Css(&format!("a[href='/sessions/{}']", latest.id)))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(client.current_url().await.unwrap().path(), format!("/sessions/{}", latest.id));
        let shown = text(&client).await;
        assert!(
            shown.contains(&format!("{} rounds", latest.round_count)) || shown.contains("rounds"),
            "{shown}"
        );
        assert!(overflow(&client).await <= 0, "{}: the session page scrolls sideways", t.kind);

        // / → a round → one of its players.
        client.goto(&format!("{base}/")).await.unwrap();
        client.find(Locator::Css("a[href^='/rounds/']")).await.unwrap().click().await.unwrap();
        assert!(client.current_url().await.unwrap().path().starts_with("/rounds/"));
        assert!(overflow(&client).await <= 0, "{}: the round page scrolls sideways", t.kind);
        let player = client.find(Locator::Css("a[href^='/players/']")).await.unwrap();
        let href = player.attr("href").await.unwrap().unwrap();
        player.click().await.unwrap();
        let guid = href.trim_start_matches("/players/").replace("%23", "#");
        let totals =
            player_totals::Entity::find_by_id(guid.clone()).one(&t.db).await.unwrap().unwrap();
        let shown = text(&client).await;
        let kills =
            format!("Kills: {} · Deaths: {}", thousands(totals.kills), thousands(totals.deaths));
        assert!(shown.contains(&kills), "{}: {kills} in\n{shown}", t.kind);
        assert!(overflow(&client).await <= 0, "{}: the player page scrolls sideways", t.kind);
        not_blank(&client, "the player page").await;
        // The history charts are SVG with real text.
        let svg = client.find(Locator::Css("div.chart svg")).await.unwrap();
        assert!(svg.text().await.unwrap().contains("K/D per session"));

        // Every other kind of page fits the phone too.
        for path in [
            "/players".to_owned(),
            "/sessions".to_owned(),
            "/leaderboards".to_owned(),
            "/leaderboards/kills".to_owned(),
            "/leaderboards/accuracy?map=supply&season=2025-Q4".to_owned(),
            "/maps".to_owned(),
            "/maps/supply".to_owned(),
            "/no/such/page".to_owned(),
        ] {
            client.goto(&format!("{base}{path}")).await.unwrap();
            assert!(overflow(&client).await <= 0, "{}: {path} scrolls sideways", t.kind);
        }

        client.close().await.unwrap();
        site.stop().await;
    }
}
