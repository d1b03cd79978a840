//! The pages' building blocks: the layout (navigation, the site's stylesheet, a viewport for
//! phones), a command post as a card (its Discord markdown read back: bold, code, code
//! blocks), and small helpers. maud escapes every value spliced in.
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::render::Post;

/// A whole page.
pub fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · slomix" }
                link rel="stylesheet" href="/static/site.css";
            }
            body {
                header {
                    nav {
                        a href="/" { "slomix" }
                        a href="/players" { "Players" }
                        a href="/sessions" { "Sessions" }
                        a href="/leaderboards" { "Leaderboards" }
                        a href="/maps" { "Maps" }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// One paragraph of text.
pub fn message(text: &str) -> Markup {
    html! { p.message { (text) } }
}

/// A command's post as a card: title, description, fields, footer.
pub fn card(post: &Post) -> Markup {
    html! {
        section.card {
            h2 { (inline(&post.title)) }
            @if !post.description.is_empty() { (block(&post.description)) }
            @for field in &post.fields {
                div.field {
                    @if field.name != "\u{200b}" && !field.name.is_empty() {
                        h3 { (inline(&field.name)) }
                    }
                    (block(&field.value))
                }
            }
            @if !post.footer.is_empty() { p.footer { (inline(&post.footer)) } }
        }
    }
}

/// Every post of a reply.
pub fn cards(posts: &[Post]) -> Markup {
    html! { @for post in posts { (card(post)) } }
}

/// Text with Discord's markdown: ```` ``` ```` fences become `<pre>`, other lines
/// paragraphs of [`inline`] text.
pub fn block(text: &str) -> Markup {
    let mut out = String::new();
    let mut fenced: Option<String> = None;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            match fenced.take() {
                Some(code) => out.push_str(&html! { pre { (code) } }.into_string()),
                None => fenced = Some(String::new()),
            }
            continue;
        }
        match fenced.as_mut() {
            Some(code) => {
                code.push_str(line);
                code.push('\n');
            }
            None if line.trim().is_empty() => {}
            None => out.push_str(&html! { p { (inline(line)) } }.into_string()),
        }
    }
    if let Some(code) = fenced {
        out.push_str(&html! { pre { (code) } }.into_string());
    }
    PreEscaped(out)
}

/// One line with `**bold**` and `` `code` `` read back; every piece of text escaped.
pub fn inline(text: &str) -> Markup {
    let mut out = String::new();
    let (mut bold, mut code) = (false, false);
    let mut piece = String::new();
    let flush = |piece: &mut String, out: &mut String| {
        out.push_str(&html! { (piece) }.into_string());
        piece.clear();
    };
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '`' => {
                flush(&mut piece, &mut out);
                out.push_str(if code { "</code>" } else { "<code>" });
                code = !code;
            }
            '*' if !code && chars.peek() == Some(&'*') => {
                chars.next();
                flush(&mut piece, &mut out);
                out.push_str(if bold { "</strong>" } else { "<strong>" });
                bold = !bold;
            }
            c => piece.push(c),
        }
    }
    flush(&mut piece, &mut out);
    if code {
        out.push_str("</code>");
    }
    if bold {
        out.push_str("</strong>");
    }
    PreEscaped(out)
}

/// The site's stylesheet (served at `/static/site.css`; phones first: nothing wider than
/// the screen, tables scroll inside their box).
pub const STYLESHEET: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,sans-serif;background:#14161a;color:#e6e6e6}
header{background:#1f2329;padding:.5rem .75rem}
nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem}
nav a{color:#9ecbff;text-decoration:none;font-weight:600}
main{max-width:960px;margin:0 auto;padding:.75rem}
h1{font-size:1.4rem;margin:.4rem 0 .8rem;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:.2rem 0 .4rem;overflow-wrap:anywhere}
h3{font-size:.95rem;margin:.5rem 0 .2rem;color:#c8c8c8}
a{color:#9ecbff}
p{margin:.2rem 0;overflow-wrap:anywhere}
.card{background:#1f2329;border-radius:8px;padding:.6rem .8rem;margin:0 0 .8rem}
.footer{color:#999;font-size:.8rem;margin-top:.4rem}
pre{overflow-x:auto;max-width:100%;background:#111;padding:.4rem;border-radius:4px;font-size:.8rem}
code{background:#111;padding:0 .2rem;border-radius:3px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.85rem;min-width:100%}
th,td{padding:.2rem .45rem;text-align:right;border-bottom:1px solid #333;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
ul.list{padding-left:1.1rem}
img,svg{max-width:100%;height:auto}
form{margin:.4rem 0 .8rem}
input{font:inherit;padding:.3rem;max-width:100%}
.message{font-size:1.05rem}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_read_back_and_everything_else_escaped() {
        let line = inline("**<script>alert(1)</script>** `a&b` x");
        assert_eq!(
            line.into_string(),
            "<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong> <code>a&amp;b</code> x"
        );
        let text = block("one\n```\n<b>table</b>\n```\n**two**");
        assert_eq!(
            text.into_string(),
            "<p>one</p><pre>&lt;b&gt;table&lt;/b&gt;\n</pre><p><strong>two</strong></p>"
        );
        // An unclosed marker is closed.
        assert_eq!(inline("**open").into_string(), "<strong>open</strong>");
    }
}
