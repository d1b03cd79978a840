//! Gaming sessions from the voice channels (`voice_sessions`): VoiceSessionTracker records
//! each start, change of participants or end deadline, and end, and reads the open session
//! back at start-up; RoundPublisher posts the sessions' notices from the same rows, each once.
//!
//! At most one session is open (`ended_at` null). A notice is marked attempted before it is
//! sent (with a nonce from the row, so a re-send inside Discord's nonce window makes no second
//! message) and posted after; a failed send clears the mark. A notice found attempted and not
//! posted longer than [`RESEND_WINDOW`] ago may have been posted before a crash and is not
//! sent again (at most once beyond the nonce window).
use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use entity::voice_sessions;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};

/// How long after an unconfirmed attempt a notice may still be sent again (inside Discord's
/// nonce window of "a few minutes", so the re-send cannot make a second message).
pub const RESEND_WINDOW: TimeDelta = TimeDelta::seconds(60);

/// The session that was on when the daemon stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSession {
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Everyone seen during it.
    pub participants: BTreeSet<u64>,
    /// The end timer's deadline, if it was running.
    pub end_at: Option<DateTime<Utc>>,
}

/// A change of the voice session, as the tracker records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceChange {
    /// A session started (`notice`: announce it; false when picked up at start-up).
    Started {
        /// When.
        at: DateTime<Utc>,
        /// Members then.
        members: usize,
        /// Everyone present.
        participants: BTreeSet<u64>,
        /// Whether to post "started".
        notice: bool,
    },
    /// Participants grew, or the end timer was armed or cancelled.
    Changed {
        /// Everyone seen so far.
        participants: BTreeSet<u64>,
        /// The end deadline (None: cancelled).
        end_at: Option<DateTime<Utc>>,
    },
    /// The session ended.
    Ended {
        /// When.
        at: DateTime<Utc>,
        /// Everyone seen.
        participants: BTreeSet<u64>,
    },
}

fn naive(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc()
}

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

fn ids(participants: &BTreeSet<u64>) -> String {
    participants.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

fn parse_ids(text: &str) -> BTreeSet<u64> {
    text.split(',').filter_map(|id| id.trim().parse().ok()).collect()
}

/// The open session, if any (the newest, should there be several).
pub async fn open_session<C: ConnectionTrait>(
    db: &C,
) -> Result<Option<OpenSession>, sea_orm::DbErr> {
    let row = voice_sessions::Entity::find()
        .filter(voice_sessions::Column::EndedAt.is_null())
        .order_by_desc(voice_sessions::Column::Id)
        .one(db)
        .await?;
    Ok(row.map(|row| OpenSession {
        started_at: utc(row.started_at),
        participants: parse_ids(&row.participants),
        end_at: row.end_at.map(utc),
    }))
}

/// Records one change.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    change: &VoiceChange,
) -> Result<(), sea_orm::DbErr> {
    let open =
        || voice_sessions::Entity::update_many().filter(voice_sessions::Column::EndedAt.is_null());
    match change {
        VoiceChange::Started { at, members, participants, notice } => {
            // A session still open here was lost track of (a restart found too few in voice
            // and no deadline): closed without a notice.
            open()
                .col_expr(voice_sessions::Column::EndedAt, Expr::value(naive(*at)))
                .col_expr(voice_sessions::Column::EndPosted, Expr::value(true))
                .exec(db)
                .await?;
            voice_sessions::ActiveModel {
                started_at: Set(naive(*at)),
                members_at_start: Set(i32::try_from(*members).unwrap_or(i32::MAX)),
                participants: Set(ids(participants)),
                end_at: Set(None),
                ended_at: Set(None),
                start_notice: Set(*notice),
                start_attempted_at: Set(None),
                start_posted: Set(!*notice),
                end_attempted_at: Set(None),
                end_posted: Set(false),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        VoiceChange::Changed { participants, end_at } => {
            open()
                .col_expr(voice_sessions::Column::Participants, Expr::value(ids(participants)))
                .col_expr(voice_sessions::Column::EndAt, Expr::value(end_at.map(naive)))
                .exec(db)
                .await?;
        }
        VoiceChange::Ended { at, participants } => {
            open()
                .col_expr(voice_sessions::Column::Participants, Expr::value(ids(participants)))
                .col_expr(voice_sessions::Column::EndAt, Expr::value(None::<NaiveDateTime>))
                .col_expr(voice_sessions::Column::EndedAt, Expr::value(naive(*at)))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Which notice of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// "Gaming session started".
    Started,
    /// "Gaming session ended", at this time.
    Ended(DateTime<Utc>),
}

/// A notice waiting to be posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The session's row.
    pub id: i32,
    /// Which notice.
    pub kind: NoticeKind,
    /// When the session started.
    pub started_at: DateTime<Utc>,
    /// Members when it started.
    pub members_at_start: usize,
    /// Everyone seen.
    pub participants: usize,
    /// An earlier attempt not known to have failed.
    pub attempted_at: Option<DateTime<Utc>>,
}

impl Notice {
    /// The nonce of this notice (stable across restarts, at most 25 characters).
    pub fn key(&self) -> String {
        let kind = match self.kind {
            NoticeKind::Started => 's',
            NoticeKind::Ended(_) => 'e',
        };
        format!("slxv{}{kind}", self.id)
    }

    /// True when an earlier attempt is too old to be sent again safely.
    pub fn unsure(&self, now: DateTime<Utc>) -> bool {
        self.attempted_at.is_some_and(|at| now - at > RESEND_WINDOW)
    }
}

/// Notices not posted yet, oldest event first.
pub async fn due_notices<C: ConnectionTrait>(db: &C) -> Result<Vec<Notice>, sea_orm::DbErr> {
    let rows = voice_sessions::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(voice_sessions::Column::StartNotice.eq(true))
                        .add(voice_sessions::Column::StartPosted.eq(false)),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(voice_sessions::Column::EndedAt.is_not_null())
                        .add(voice_sessions::Column::EndPosted.eq(false)),
                ),
        )
        .order_by_asc(voice_sessions::Column::Id)
        .all(db)
        .await?;
    let mut due = Vec::new();
    for row in rows {
        let notice = |kind, attempted_at: Option<NaiveDateTime>| Notice {
            id: row.id,
            kind,
            started_at: utc(row.started_at),
            members_at_start: usize::try_from(row.members_at_start).unwrap_or(0),
            participants: parse_ids(&row.participants).len(),
            attempted_at: attempted_at.map(utc),
        };
        if row.start_notice && !row.start_posted {
            due.push(notice(NoticeKind::Started, row.start_attempted_at));
        }
        if let (Some(ended), false) = (row.ended_at, row.end_posted) {
            due.push(notice(NoticeKind::Ended(utc(ended)), row.end_attempted_at));
        }
    }
    Ok(due)
}

/// Marks `notice` attempted at `at` (before sending), or clears the mark (`None`: the send
/// failed, so it is not posted).
pub async fn notice_attempted<C: ConnectionTrait>(
    db: &C,
    notice: &Notice,
    at: Option<DateTime<Utc>>,
) -> Result<(), sea_orm::DbErr> {
    let column = match notice.kind {
        NoticeKind::Started => voice_sessions::Column::StartAttemptedAt,
        NoticeKind::Ended(_) => voice_sessions::Column::EndAttemptedAt,
    };
    voice_sessions::Entity::update_many()
        .col_expr(column, Expr::value(at.map(naive)))
        .filter(voice_sessions::Column::Id.eq(notice.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks `notice` posted (or given up as unsure).
pub async fn notice_posted<C: ConnectionTrait>(
    db: &C,
    notice: &Notice,
) -> Result<(), sea_orm::DbErr> {
    let column = match notice.kind {
        NoticeKind::Started => voice_sessions::Column::StartPosted,
        NoticeKind::Ended(_) => voice_sessions::Column::EndPosted,
    };
    voice_sessions::Entity::update_many()
        .col_expr(column, Expr::value(true))
        .filter(voice_sessions::Column::Id.eq(notice.id))
        .exec(db)
        .await?;
    Ok(())
}
