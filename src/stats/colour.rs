//! Colour-code stripping as the game engine does it (`Q_IsColorString`).
//!
//! The engine treats `^` followed by any character other than `^` (and other than the end of
//! the string) as a colour code and drops both. A `^` followed by `^` is an ordinary
//! character, and the second `^` is then looked at afresh, so `^^1x` reads as `^x`. Names are
//! bytes on the server; here a "character" is a whole UTF-8 scalar, so `^` followed by a
//! multi-byte letter drops the whole letter rather than leaving half of it behind.

/// Removes colour codes from a name, keeping every other character (markdown, `@`, emoji)
/// exactly. Invalid UTF-8 becomes U+FFFD.
pub fn strip_colours(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '^' {
            match chars.peek() {
                Some('^') | None => out.push(ch),
                Some(_) => {
                    chars.next();
                }
            }
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strip_colours;

    #[test]
    fn strips_like_the_engine() {
        let cases: &[(&[u8], &str)] = &[
            (b"^1Red^7Normal", "RedNormal"),
            (b"^a^b^c^9Test", "Test"),
            (b"plain", "plain"),
            (b"", ""),
            (b"trailing^", "trailing^"),
            (b"^D/^4/^?/^zM.^0Gekku", "///M.Gekku"),
            (b"^1'^/fnx", "'fnx"),
            (b"a^^1b", "a^b"),
            (b"^^", "^^"),
            (b"^^^", "^^^"),
            (b"^^^1x", "^^x"),
            (b"^6S^2uper^6B^2oyy", "SuperBoyy"),
            ("\u{c6}r\u{f8}^1\u{c5}S".as_bytes(), "\u{c6}r\u{f8}\u{c5}S"),
            ("^\u{c5}x".as_bytes(), "x"),
            (b"**bold** @everyone", "**bold** @everyone"),
            (b"bad\xffbyte", "bad\u{fffd}byte"),
        ];
        for (raw, clean) in cases {
            assert_eq!(strip_colours(raw), *clean, "{}", String::from_utf8_lossy(raw));
        }
    }
}
