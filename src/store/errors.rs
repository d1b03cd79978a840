//! Which database errors are worth waiting out (the database is away, busy or locked) and
//! which are this file's own (a constraint, a value out of range): the first are retried with
//! back-off, the second set the file aside so the files after it go on.
use sea_orm::{DbErr, RuntimeErr, sqlx};

/// True when `error` says the database (or the way to it) failed, not the data: connection
/// refused or cut, pool exhausted or closed, SQLite busy or locked, PostgreSQL shutting down,
/// out of resources, a serialization failure or deadlock.
pub fn is_transient(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            sqlx_transient(e)
        }
        // sea-orm's own messages for a lost connection.
        DbErr::Exec(RuntimeErr::Internal(text)) | DbErr::Query(RuntimeErr::Internal(text)) => {
            text.to_lowercase().contains("connection")
        }
        _ => false,
    }
}

fn sqlx_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| transient_code(&code)),
        _ => false,
    }
}

/// SQLSTATE classes 08 (connection), 40 (rollback: serialization, deadlock), 53 (resources),
/// 57 (operator intervention: shutdown), 58 (system I/O); SQLite's BUSY (5), LOCKED (6),
/// IOERR (10), FULL (13) and CANTOPEN (14), with their extended codes (low byte).
fn transient_code(code: &str) -> bool {
    if let Ok(number) = code.parse::<u32>()
        && (code.len() != 5 || number < 1000)
    {
        return matches!(number & 0xFF, 5 | 6 | 10 | 13 | 14);
    }
    ["08", "40", "53", "57", "58"].iter().any(|class| code.starts_with(class))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified() {
        for code in ["08006", "08001", "40001", "40P01", "53300", "57P01", "57P03", "58030"] {
            assert!(transient_code(code), "PostgreSQL {code}");
        }
        for code in ["23505", "23503", "22003", "22P02", "42P01", "42703"] {
            assert!(!transient_code(code), "PostgreSQL {code}");
        }
        for code in ["5", "6", "517", "262", "10", "13", "14"] {
            assert!(transient_code(code), "SQLite {code}");
        }
        for code in ["19", "2067", "1555", "787", "1", "20"] {
            assert!(!transient_code(code), "SQLite {code}");
        }
    }

    #[test]
    fn errors_are_classified() {
        assert!(is_transient(&DbErr::Conn(RuntimeErr::Internal("x".into()))));
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(is_transient(&DbErr::Exec(RuntimeErr::SqlxError(std::sync::Arc::new(io)))));
        let pool = sqlx::Error::PoolTimedOut;
        assert!(is_transient(&DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(pool)))));
        let decode = sqlx::Error::ColumnNotFound("x".into());
        assert!(!is_transient(&DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(decode)))));
        assert!(!is_transient(&DbErr::RecordNotInserted));
        assert!(!is_transient(&DbErr::Type("out of range".into())));
    }
}
