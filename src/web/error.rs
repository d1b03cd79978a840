//! Why a request has no page: a 404 for what does not exist, a 400 with the reason for a bad
//! parameter, a 503 when the database is not answering; never a 500, and never a detail of
//! ours on the page (it goes to the log).
use actix_web::{HttpResponse, ResponseError, http::StatusCode};

use crate::commands::CommandError;

/// A request's failure.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Nothing there.
    #[error("{0}")]
    NotFound(String),
    /// A malformed path or query parameter; the text says what is expected.
    #[error("{0}")]
    BadRequest(String),
    /// The database failed (logged; the page says only that).
    #[error("the stats database is not answering; try again in a moment")]
    Unavailable,
}

impl WebError {
    /// A 400 from a parameter that did not parse.
    pub fn bad(error: impl std::fmt::Display) -> WebError {
        let text: String = error.to_string().chars().take(200).collect();
        WebError::BadRequest(format!("bad request: {text}"))
    }
}

impl From<CommandError> for WebError {
    fn from(error: CommandError) -> Self {
        match error {
            CommandError::NotFound { query, .. } => WebError::NotFound(format!(
                "no player matches {:?}",
                crate::commands::format::cut(&query, 40)
            )),
            CommandError::Empty(text) => WebError::NotFound(text),
            CommandError::Invalid(text) | CommandError::Refused(text) => WebError::BadRequest(text),
            CommandError::Ambiguous { query, count, .. } => WebError::BadRequest(format!(
                "{:?} matches {count} players",
                crate::commands::format::cut(&query, 40)
            )),
            CommandError::NotLinked { who } => {
                WebError::NotFound(format!("{who} has no linked player"))
            }
            CommandError::Db(error) => {
                tracing::warn!(error = %error, "web: database error");
                WebError::Unavailable
            }
            CommandError::Internal(error) => {
                tracing::warn!(error = %error, "web: command failed");
                WebError::Unavailable
            }
        }
    }
}

impl From<sea_orm::DbErr> for WebError {
    fn from(error: sea_orm::DbErr) -> Self {
        CommandError::Db(error).into()
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let title = match self {
            WebError::NotFound(_) => "Not found",
            WebError::BadRequest(_) => "Bad request",
            WebError::Unavailable => "Unavailable",
        };
        let page = super::html::layout(title, super::html::message(&self.to_string()));
        HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .body(page.into_string())
    }
}
