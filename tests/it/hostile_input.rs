//! Property tests with hostile input for everything that reads text from Discord: the webhook
//! trigger gate (`discord::trigger`) and the command-argument parsers (`Who::parse`,
//! `mention_id`, leaderboard category and page, session picks, months, `!sync` days). None may
//! panic on any string (control characters, RTL overrides, huge digit runs, `../`, backticks,
//! `@everyone`), and what they accept must be exactly what was written.
use std::num::NonZeroU64;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use proptest::prelude::*;
use slomix::{
    commands::{
        CommandError,
        admin::parse_days,
        leaderboard::{Category, parse_args},
        players::{MAX_USER_ID, Who, mention_id, user_id},
        sessions::{MAX_YEAR, Pick, parse_month},
    },
    discord::trigger::{Incoming, Refusal, TriggerGate},
    stats::StatsFileName,
};

const FILE: &str = "2025-10-12-224530-sw_goldrush_te-round-1.txt";
const CONTROL: u64 = 100;
const HOOK: u64 = 7;
const NAME: &str = "ET:Legacy Stats";

/// Pieces hostile text is made of: any character, and the ones that have hurt bots before.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<char>().prop_map(String::from),
        1 => prop::sample::select(vec![
            "`", "``", "```", "../", "..\\", "/", "\0", "\r\n", "\t", "\u{202E}", "\u{202D}",
            "\u{200B}", "\u{FEFF}", "@everyone", "@here", "<@", "<@!", "<@&", ">", "#", "-", "0",
            "-round-", "-round-1.txt", ".txt", "%", "_", "\\", "'", "\"", "🤖", "é",
        ])
        .prop_map(str::to_owned),
        1 => "[0-9]{1,60}",
        1 => Just(FILE.to_owned()),
        1 => Just("2025-10-12-225242-sw_goldrush_te-round-2.txt".to_owned()),
    ]
}

/// Hostile text: up to 24 pieces.
fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..24).prop_map(|pieces| pieces.concat())
}

/// Any text: arbitrary strings and hostile ones.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), hostile(), "\\PC{0,300}"]
}

/// A valid stats file name (dates and times in range, map of `[A-Za-z0-9_-]`).
fn valid_file_name() -> impl Strategy<Value = String> {
    (
        2000..=2099i32,
        1..=12u32,
        1..=28u32,
        0..24u32,
        0..60u32,
        0..60u32,
        "[A-Za-z0-9_-]{1,64}",
        1..=2u8,
    )
        .prop_map(|(y, mo, d, h, mi, s, map, round)| {
            format!("{y:04}-{mo:02}-{d:02}-{h:02}{mi:02}{s:02}-{map}-round-{round}.txt")
        })
}

fn at(millis: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
        + TimeDelta::seconds(1_760_000_000)
        + TimeDelta::milliseconds(millis)
}

fn message(content: &str) -> Incoming<'_> {
    Incoming { channel_id: CONTROL, webhook_id: Some(HOOK), author_name: NAME, content }
}

/// The text between the first pair of backticks, as the gate reads it.
fn between_backticks(content: &str) -> Option<&str> {
    let start = content.find('`')? + 1;
    let len = content[start..].find('`')?;
    Some(&content[start..start + len])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_gate_never_panics_and_accepts_only_valid_names_it_was_given(
        content in text(),
        author in text(),
        channel in prop_oneof![Just(CONTROL), any::<u64>()],
        webhook in prop_oneof![Just(Some(HOOK)), any::<Option<u64>>()],
        millis in any::<i32>(),
    ) {
        let mut gate = TriggerGate::new(CONTROL, vec![HOOK], "");
        let incoming = Incoming { channel_id: channel, webhook_id: webhook, author_name: &author, content: &content };
        match gate.check(incoming, at(i64::from(millis))) {
            Ok(name) => {
                prop_assert_eq!(Some(name.as_str()), between_backticks(&content));
                let parsed = StatsFileName::parse(&name);
                prop_assert!(parsed.is_ok(), "{:?}: {:?}", name, parsed);
                let parsed = parsed.unwrap();
                prop_assert_eq!(parsed.as_str(), name.as_str());
                prop_assert_eq!(StatsFileName::parse(&parsed.to_string()), Ok(parsed.clone()));
                prop_assert_eq!((channel, webhook), (CONTROL, Some(HOOK)));
            }
            Err(refusal) => {
                // Every refusal can be logged; a bad name is cut before it is.
                let shown = refusal.to_string();
                prop_assert!(!shown.is_empty());
                if let Refusal::BadFileName { name, .. } = &refusal {
                    prop_assert!(name.chars().count() <= 80 * 10, "{}", name.len());
                }
            }
        }
    }

    #[test]
    fn the_gate_accepts_every_valid_name_between_backticks(
        name in valid_file_name(),
        before in "[^`]{0,40}",
        after in text(),
    ) {
        let mut gate = TriggerGate::new(CONTROL, vec![HOOK], NAME);
        let content = format!("{before}`{name}`{after}");
        prop_assert_eq!(gate.check(message(&content), at(0)), Ok(name.clone()));
        // The same name with a hostile piece inside is refused.
        for inside in ["/", "\0", "..", "\u{202E}", "`"] {
            let broken = format!("`{}{inside}{}`", &name[..10], &name[10..]);
            let refused = gate.check(message(&broken), at(0));
            prop_assert!(refused.is_err(), "{:?} accepted", broken);
        }
    }

    #[test]
    fn the_gate_allows_five_triggers_per_60_s_for_any_arrival_times(
        steps in prop::collection::vec(
            prop_oneof![4 => 0..20_000i64, 1 => -200_000..0i64, 1 => 60_000..200_000i64],
            1..80,
        ),
    ) {
        let mut gate = TriggerGate::new(CONTROL, vec![HOOK], "");
        let content = format!("`{FILE}`");
        let window = 60_000;
        let mut now = 0i64;
        // What the gate counts with: a step back counts as the last accepted trigger's time.
        let mut accepted: Vec<i64> = Vec::new();
        for step in steps {
            now += step;
            let counted = accepted.last().map_or(now, |last| now.max(*last));
            let in_window = accepted.iter().filter(|a| counted - **a < window).count();
            let result = gate.check(message(&content), at(now));
            if in_window < 5 {
                prop_assert_eq!(result, Ok(FILE.to_owned()), "at {} ms", now);
                accepted.push(counted);
            } else {
                let limited = matches!(result, Err(Refusal::RateLimited { webhook: HOOK, limit: 5, window_secs: 60, .. }));
                prop_assert!(limited, "at {} ms: {:?}", now, result);
            }
        }
        // Any six accepted triggers in a row span at least the window.
        for six in accepted.windows(6) {
            prop_assert!(six[5] - six[0] >= window, "{:?}", six);
        }
    }

    #[test]
    fn forward_arrival_times_never_see_six_triggers_in_60_s(
        gaps in prop::collection::vec(0..30_000i64, 1..80),
    ) {
        let mut gate = TriggerGate::new(CONTROL, vec![HOOK], "");
        let content = format!("`{FILE}`");
        let mut now = 0;
        let mut accepted = Vec::new();
        for gap in gaps {
            now += gap;
            if gate.check(message(&content), at(now)).is_ok() {
                accepted.push(now);
            }
        }
        for (i, start) in accepted.iter().enumerate() {
            let within = accepted[i..].iter().take_while(|a| **a - start < 60_000).count();
            prop_assert!(within <= 5, "{} triggers from {} ms: {:?}", within, start, accepted);
        }
    }

    #[test]
    fn argument_parsers_never_panic(arg in text(), today in -300_000..3_000_000i32) {
        let today = NaiveDate::from_num_days_from_ce_opt(today).unwrap_or(NaiveDate::MIN);
        match Who::parse(Some(&arg)) {
            Ok(Who::Me) => prop_assert!(arg.trim().is_empty()),
            Ok(Who::Mention(id)) => {
                prop_assert!(id.get() <= MAX_USER_ID);
                let written = arg.trim();
                prop_assert!(written == format!("<@{id}>") || written == format!("<@!{id}>"), "{:?}", written);
            }
            Ok(Who::Text(text)) => {
                prop_assert_eq!(text.as_str(), arg.trim());
                prop_assert!(!text.is_empty());
                prop_assert!(!(text.starts_with("<@") && text.ends_with('>')), "a mention as a name: {:?}", text);
            }
            Err(error) => {
                prop_assert!(error.is_users());
                prop_assert!(matches!(error, CommandError::Invalid(_)));
            }
        }
        if let Ok((_, page)) = parse_args(Some(&arg), None) {
            let digits = arg.trim();
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                prop_assert_eq!(page, digits.parse::<u32>().unwrap_or(u32::MAX));
            }
        }
        match Pick::parse(Some(&arg), today) {
            Ok(Pick::Date(day)) => match arg.trim().to_lowercase().as_str() {
                "today" => prop_assert_eq!(day, today),
                "yesterday" => prop_assert_eq!(Some(day), today.pred_opt()),
                _ => {
                    // `load` reads the whole day: the next one must exist.
                    prop_assert!((1..=MAX_YEAR).contains(&day.year()), "{}", day);
                    prop_assert!(day.succ_opt().is_some());
                }
            },
            Ok(Pick::Id(id)) => {
                prop_assert!((0..=99_999_999_999_999).contains(&id));
                prop_assert_eq!(format!("{id:014}"), arg.trim().trim_start_matches('#'));
            }
            Ok(Pick::Latest) | Err(_) => {}
        }
        if let Ok((year, month)) = parse_month(&arg, today) {
            prop_assert!((1..=12).contains(&month));
            if arg.contains('-') {
                // `sessions` reads the month up to the first day of the next one.
                prop_assert!((1..=MAX_YEAR).contains(&year));
                prop_assert!(NaiveDate::from_ymd_opt(year + 1, 1, 1).is_some());
            } else {
                prop_assert!(year == today.year() || year == today.year() - 1);
            }
        }
        if let Ok(Some(days)) = parse_days(Some(&arg)) {
            prop_assert!((1..=36_500).contains(&days));
        }
    }

    #[test]
    fn valid_mentions_parse_to_exactly_the_id_written(
        id in prop_oneof![1..=MAX_USER_ID, Just(1), Just(MAX_USER_ID)],
        nickname in any::<bool>(),
        padding in "[ \t]{0,3}",
    ) {
        let written = if nickname { format!("<@!{id}>") } else { format!("<@{id}>") };
        let id = NonZeroU64::new(id).unwrap();
        prop_assert_eq!(mention_id(&written).unwrap(), Some(id));
        prop_assert_eq!(user_id(&id.to_string()), Some(id));
        prop_assert_eq!(Who::parse(Some(&format!("{padding}{written}{padding}"))).unwrap(), Who::Mention(id));
        // Discord writes no leading zero: `<@007>` is not its mention of 7.
        let zero_padded = format!("<@0{id}>");
        prop_assert!(mention_id(&zero_padded).is_err());
    }

    #[test]
    fn mentions_of_no_valid_user_are_user_errors(
        inner in prop_oneof![
            Just("0".to_owned()),
            "0[0-9]{0,19}",
            (MAX_USER_ID + 1..=u64::MAX).prop_map(|n| n.to_string()),
            "[0-9]{21,60}",
            "-[0-9]{1,20}",
            "\\+[0-9]{1,20}",
            "&[0-9]{1,20}",
            "[0-9]{1,10}[^0-9>][0-9]{0,5}",
            "[^0-9!]{1,20}",
        ],
        nickname in any::<bool>(),
    ) {
        let written = format!("<@{}{inner}>", if nickname { "!" } else { "" });
        let error = mention_id(&written).unwrap_err();
        prop_assert!(matches!(error, CommandError::Invalid(_)), "{:?}", error);
        let shown = error.user_message(slomix::render::Names::Discord);
        prop_assert!(shown.starts_with("❌ ") && shown.contains("is not a valid user mention"), "{}", shown);
        // Only plain digits are echoed back; the rest of what was written is not repeated.
        if !inner.bytes().all(|b| b.is_ascii_digit()) {
            prop_assert!(shown.starts_with("❌ that is not a valid user mention"), "{}", shown);
        }
        prop_assert!(Who::parse(Some(&written)).is_err());
    }

    #[test]
    fn leaderboard_categories_parse_in_any_case_with_padding(
        index in 0..Category::ALL.len(),
        upper in prop::collection::vec(any::<bool>(), 16),
        page in proptest::option::of(any::<u32>()),
        padding in "[ \t]{0,3}",
    ) {
        let category = Category::ALL[index];
        let key: String = category.key().chars().zip(upper.iter().cycle())
            .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c })
            .collect();
        let written = format!("{padding}{key}{padding}");
        prop_assert_eq!(parse_args(Some(&written), page).unwrap(), (category, page.unwrap_or(1)));
        prop_assert_eq!(Category::parse(category.key()), Some(category));
    }

    #[test]
    fn written_dates_and_months_are_read_exactly(
        year in 1..=MAX_YEAR,
        month in 1..=12u32,
        day in 1..=28u32,
    ) {
        let today = NaiveDate::from_ymd_opt(2025, 10, 13).unwrap();
        let date = NaiveDate::from_ymd_opt(year, month, day).unwrap();
        let written = format!("{year:04}-{month:02}-{day:02}");
        prop_assert_eq!(Pick::parse(Some(&written), today).unwrap(), Pick::Date(date));
        prop_assert_eq!(parse_month(&format!("{year}-{month:02}"), today).unwrap(), (year, month));
        prop_assert_eq!(parse_month(&format!("{year}-{month}"), today).unwrap(), (year, month));
        let bare = parse_month(&month.to_string(), today).unwrap();
        prop_assert_eq!(bare, (if month > 10 { 2024 } else { 2025 }, month));
    }
}
