//! A prefix command's text split into the table's parameters, as poise reads its own: a word
//! ends at whitespace, double quotes group words (`"a b"`), a backslash takes the next
//! character as it is; a `Rest` parameter takes the rest of the line; a `Number` must be a
//! whole number; anything left over is an error. Pure, so it is tested on its own.
use super::registry::{Kind, Param};

/// Why a command's text does not fit its parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    /// A required parameter is missing.
    #[error("`{0}` is missing")]
    Missing(&'static str),
    /// A number parameter is not a number.
    #[error("`{param}` is a whole number, not {input:?}")]
    NotANumber {
        /// The parameter.
        param: &'static str,
        /// What was given.
        input: String,
    },
    /// More was given than the command takes.
    #[error("too many arguments: {0:?}")]
    TooMany(String),
}

impl ArgError {
    /// The part of the text that did not fit, if one did.
    pub fn input(&self) -> Option<String> {
        match self {
            ArgError::Missing(_) => None,
            ArgError::NotANumber { input, .. } | ArgError::TooMany(input) => Some(input.clone()),
        }
    }
}

/// The arguments in `line`, one per parameter (None: not given).
pub fn split(line: &str, params: &[Param]) -> Result<Vec<Option<String>>, ArgError> {
    let mut rest = line;
    let mut values = Vec::with_capacity(params.len());
    for param in params {
        if !param.on_discord() {
            values.push(None);
            continue;
        }
        let value = match param.kind {
            Kind::Rest => {
                let text = rest.trim();
                rest = "";
                (!text.is_empty()).then(|| text.to_owned())
            }
            Kind::Word | Kind::Number => match word(rest) {
                Some((word, after)) => {
                    rest = after;
                    if param.kind == Kind::Number && word.parse::<u32>().is_err() {
                        return Err(ArgError::NotANumber { param: param.name, input: word });
                    }
                    Some(word)
                }
                None => None,
            },
        };
        if value.is_none() && param.required {
            return Err(ArgError::Missing(param.name));
        }
        values.push(value);
    }
    let left = rest.trim();
    if left.is_empty() { Ok(values) } else { Err(ArgError::TooMany(left.to_owned())) }
}

/// Every word of `text`, read as [`split`] reads one (quotes group, a backslash escapes): the
/// names of `!suggest_teams`.
pub fn words(text: &str) -> Vec<String> {
    let mut rest = text;
    let mut out = Vec::new();
    while let Some((word, after)) = word(rest) {
        if !word.is_empty() {
            out.push(word);
        }
        rest = after;
    }
    out
}

/// The first word of `text` and what follows it; None when `text` is only whitespace.
fn word(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    if text.is_empty() {
        return None;
    }
    let mut out = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for (at, c) in text.char_indices() {
        if escaped {
            out.push(c);
            escaped = false;
        } else if !quoted && c.is_whitespace() {
            return Some((out, &text[at..]));
        } else if c == '"' {
            quoted = !quoted;
        } else if c == '\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    Some((out, ""))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const LEADERBOARD: &[Param] =
        &[Param::optional("category", Kind::Word, "c"), Param::optional("page", Kind::Number, "p")];
    const COMPARE: &[Param] =
        &[Param::required("first", Kind::Word, "a"), Param::required("second", Kind::Word, "b")];
    const STATS: &[Param] = &[Param::optional("player", Kind::Rest, "p")];

    fn some(values: &[&str]) -> Vec<Option<String>> {
        values.iter().map(|v| Some((*v).to_owned())).collect()
    }

    #[test]
    fn words_quotes_numbers_and_the_rest_of_the_line() {
        assert_eq!(split("  kd  3 ", LEADERBOARD), Ok(some(&["kd", "3"])));
        assert_eq!(split("", LEADERBOARD), Ok(vec![None, None]));
        assert_eq!(split("kd", LEADERBOARD), Ok(vec![Some("kd".into()), None]));
        assert_eq!(
            split("kd three", LEADERBOARD),
            Err(ArgError::NotANumber { param: "page", input: "three".into() })
        );
        assert_eq!(split("kd 2 more", LEADERBOARD), Err(ArgError::TooMany("more".into())));
        assert_eq!(split(r#""big  guy" b\"c"#, COMPARE), Ok(some(&["big  guy", "b\"c"])));
        assert_eq!(split("alone", COMPARE), Err(ArgError::Missing("second")));
        assert_eq!(split("  seb  the  great ", STATS), Ok(some(&["seb  the  great"])));
        assert_eq!(split(" \t ", STATS), Ok(vec![None]));
        assert_eq!(split("x", &[]), Err(ArgError::TooMany("x".into())));
    }

    proptest! {
        #[test]
        fn never_panics_and_only_numbers_reach_a_number(line in "\\PC{0,80}") {
            if let Ok(values) = split(&line, LEADERBOARD) {
                prop_assert_eq!(values.len(), 2);
                if let Some(page) = &values[1] {
                    prop_assert!(page.parse::<u32>().is_ok());
                }
            }
            let _ = split(&line, COMPARE);
            prop_assert_eq!(split(&line, STATS).map(|v| v.len()), Ok(1));
        }

        #[test]
        fn plain_words_come_back_as_they_were(a in "[a-z0-9_\\-]{1,12}", b in "[a-z0-9_\\-]{1,12}", gap in "[ \t]{1,3}") {
            let line = format!("{a}{gap}{b}");
            prop_assert_eq!(split(&line, COMPARE), Ok(vec![Some(a.clone()), Some(b.clone())]));
            let quoted = format!("\"{a} {b}\"");
            prop_assert_eq!(split(&quoted, STATS), Ok(vec![Some(quoted.clone())]));
            prop_assert_eq!(split(&format!("{quoted} x"), COMPARE), Ok(vec![Some(format!("{a} {b}")), Some("x".into())]));
            prop_assert_eq!(words(&format!("{a}{gap}{quoted}{gap}{b}")), vec![a.clone(), format!("{a} {b}"), b.clone()]);
        }

        #[test]
        fn words_never_panic_and_hold_no_empty_word(line in "\\PC{0,80}") {
            let found = words(&line);
            prop_assert!(found.iter().all(|w| !w.is_empty()));
            prop_assert!(found.len() <= line.chars().count());
        }
    }
}
