//! Telegram's HTML parse mode, checked the way Telegram (tdlib's `parse_html`) does.
//!
//! Returns the plain text a user would see, or Telegram's error text (without the
//! `Bad Request: can't parse entities: ` prefix). Attributes are not validated beyond
//! `span` needing its `tg-spoiler` class.

const TAGS: &[&str] = &[
    "a",
    "b",
    "strong",
    "i",
    "em",
    "s",
    "strike",
    "del",
    "u",
    "ins",
    "tg-spoiler",
    "tg-emoji",
    "span",
    "pre",
    "code",
    "blockquote",
];

pub(crate) fn parse(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let mut out = String::with_capacity(len);
    let mut open: Vec<String> = Vec::new();
    let mut i = 0;
    while i < len {
        match bytes[i] {
            b'&' => {
                if let Some((c, used)) = decode_entity(&text[i..]) {
                    out.push(c);
                    i += used;
                } else {
                    out.push('&');
                    i += 1;
                }
            }
            b'<' => {
                let begin = i;
                i += 1;
                if i >= len || bytes[i] != b'/' {
                    let name_start = i;
                    while i < len && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    if i >= len {
                        return Err(format!("Unclosed start tag at byte offset {begin}"));
                    }
                    let name = text[name_start..i].to_ascii_lowercase();
                    if !TAGS.contains(&name.as_str()) {
                        return Err(format!(
                            "Unsupported start tag \"{name}\" at byte offset {begin}"
                        ));
                    }
                    let attrs_start = i;
                    let mut quote = None;
                    while i < len {
                        let b = bytes[i];
                        match quote {
                            Some(q) if b == q => quote = None,
                            Some(_) => {}
                            None if b == b'"' || b == b'\'' => quote = Some(b),
                            None if b == b'>' => break,
                            None => {}
                        }
                        i += 1;
                    }
                    if i >= len {
                        return Err(format!("Unclosed start tag at byte offset {begin}"));
                    }
                    if name == "span" && !text[attrs_start..i].contains("tg-spoiler") {
                        return Err(format!(
                            "Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"
                        ));
                    }
                    i += 1;
                    open.push(name);
                } else {
                    i += 1;
                    let Some(expected) = open.pop() else {
                        return Err(format!("Unexpected end tag at byte offset {begin}"));
                    };
                    let name_start = i;
                    while i < len && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    let name = text[name_start..i].to_ascii_lowercase();
                    while i < len && bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    if i >= len || bytes[i] != b'>' {
                        return Err(format!("Unclosed end tag at byte offset {begin}"));
                    }
                    if !name.is_empty() && name != expected {
                        return Err(format!(
                            "Unmatched end tag at byte offset {begin}, expected \"</{expected}>\", found \"</{name}>\""
                        ));
                    }
                    i += 1;
                }
            }
            _ => {
                let end = text[i..].find(['<', '&']).map_or(len, |p| i + p);
                out.push_str(&text[i..end]);
                i = end;
            }
        }
    }
    if let Some(tag) = open.last() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{tag}\""
        ));
    }
    Ok(out)
}

/// Text `parse` accepted, as HTML a web page can show safely: the text escaped again, each
/// tag as a plain element a page styles like Telegram (`b`, `i`, `u`, `s`, `code`, `pre`,
/// `blockquote`, spoilers as `span.spoiler`), attributes dropped except an `a`'s `href`
/// when it is `http(s)://` or `tg://`.
pub(crate) fn to_web(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut open: Vec<&'static str> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'&' => match decode_entity(&text[i..]) {
                Some((c, used)) => {
                    escape_into(&mut out, c.encode_utf8(&mut [0; 4]));
                    i += used;
                }
                None => {
                    out.push_str("&amp;");
                    i += 1;
                }
            },
            b'<' => {
                let end = tag_end(bytes, i).unwrap_or(bytes.len());
                let tag = &text[i + 1..end.min(bytes.len())];
                i = end + 1;
                if tag.starts_with('/') {
                    if let Some(name) = open.pop() {
                        out.push_str("</");
                        out.push_str(name);
                        out.push('>');
                    }
                    continue;
                }
                let (name, attrs) = tag
                    .split_once(|c: char| c.is_ascii_whitespace())
                    .unwrap_or((tag, ""));
                let element = match name.to_ascii_lowercase().as_str() {
                    "b" | "strong" => "b",
                    "i" | "em" => "i",
                    "u" | "ins" => "u",
                    "s" | "strike" | "del" => "s",
                    "code" => "code",
                    "pre" => "pre",
                    "blockquote" => "blockquote",
                    "a" => "a",
                    _ => "span",
                };
                open.push(element);
                match element {
                    "a" => match href(attrs) {
                        Some(url) => {
                            out.push_str("<a target=\"_blank\" rel=\"noopener\" href=\"");
                            escape_into(&mut out, &url);
                            out.push_str("\">");
                        }
                        None => out.push_str("<a>"),
                    },
                    "span"
                        if name.eq_ignore_ascii_case("tg-spoiler")
                            || attrs.contains("tg-spoiler") =>
                    {
                        out.push_str("<span class=\"spoiler\">")
                    }
                    e => {
                        out.push('<');
                        out.push_str(e);
                        out.push('>');
                    }
                }
            }
            _ => {
                let end = text[i..].find(['<', '&']).map_or(bytes.len(), |p| i + p);
                escape_into(&mut out, &text[i..end]);
                i = end;
            }
        }
    }
    for name in open.into_iter().rev() {
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
    out
}

/// Plain text as HTML.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The index of the `>` that ends the tag opened at `start`, quotes respected.
fn tag_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(start + 1) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return Some(i),
            None => {}
        }
    }
    None
}

/// An `href` attribute's value, entities decoded, if its scheme is safe to follow.
fn href(attrs: &str) -> Option<String> {
    let at = attrs.find("href=")? + "href=".len();
    let rest = &attrs[at..];
    let value = match rest.chars().next()? {
        q @ ('"' | '\'') => rest[1..].split(q).next()?,
        _ => rest.split(|c: char| c.is_ascii_whitespace()).next()?,
    };
    let mut url = String::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        match decode_entity(&value[i..]).filter(|_| value.as_bytes()[i] == b'&') {
            Some((c, used)) => {
                url.push(c);
                i += used;
            }
            None => {
                let c = value[i..].chars().next()?;
                url.push(c);
                i += c.len_utf8();
            }
        }
    }
    let lower = url.to_ascii_lowercase();
    ["http://", "https://", "tg://"]
        .iter()
        .any(|s| lower.starts_with(s))
        .then_some(url)
}

/// `&lt;` `&gt;` `&amp;` `&quot;` and numeric references; anything else is a literal `&`.
fn decode_entity(s: &str) -> Option<(char, usize)> {
    let semi = s.bytes().take(12).position(|b| b == b';')?;
    let name = &s[1..semi];
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((c, semi + 1))
}

#[cfg(test)]
mod tests {
    use super::{parse, to_web};

    #[test]
    fn accepts_telegram_html_and_returns_plain_text() {
        assert_eq!(
            parse("<b>纪律</b> &lt;明镜&gt; &amp; a&b").unwrap(),
            "纪律 <明镜> & a&b"
        );
        assert_eq!(
            parse("<a href=\"https://x.y/?a=1&b=2\">x</a>").unwrap(),
            "x"
        );
        assert_eq!(parse("<span class=\"tg-spoiler\">s</span>").unwrap(), "s");
        assert_eq!(parse("<blockquote expandable>q</blockquote>").unwrap(), "q");
        assert_eq!(parse("&#20013;&#x6587;").unwrap(), "中文");
    }

    #[test]
    fn shows_telegram_html_safely_on_a_web_page() {
        assert_eq!(
            to_web("<b>纪律</b> &lt;明镜&gt; &amp; a&b <i>\"引\"</i>"),
            "<b>纪律</b> &lt;明镜&gt; &amp; a&amp;b <i>&quot;引&quot;</i>"
        );
        assert_eq!(
            to_web("<strong>x</strong><em>y</em><del>z</del><blockquote expandable>q</blockquote>"),
            "<b>x</b><i>y</i><s>z</s><blockquote>q</blockquote>"
        );
        assert_eq!(
            to_web("<a href=\"https://x.y/?a=1&amp;b=2\">x</a>"),
            "<a target=\"_blank\" rel=\"noopener\" href=\"https://x.y/?a=1&amp;b=2\">x</a>"
        );
        assert_eq!(to_web("<a href=\"javascript:alert(1)\">x</a>"), "<a>x</a>");
        assert_eq!(
            to_web("<span class=\"tg-spoiler\">s</span><tg-spoiler>t</tg-spoiler>"),
            "<span class=\"spoiler\">s</span><span class=\"spoiler\">t</span>"
        );
        assert_eq!(to_web("<code onclick=\"x()\">c</code>"), "<code>c</code>");
    }

    #[test]
    fn rejects_what_telegram_rejects() {
        assert_eq!(
            parse("1 < 2").unwrap_err(),
            "Unsupported start tag \"\" at byte offset 2"
        );
        assert_eq!(
            parse("<div>x</div>").unwrap_err(),
            "Unsupported start tag \"div\" at byte offset 0"
        );
        assert_eq!(
            parse("<b>x").unwrap_err(),
            "Can't find end tag corresponding to start tag \"b\""
        );
        assert_eq!(
            parse("<b><i>x</b></i>").unwrap_err(),
            "Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\""
        );
        assert_eq!(
            parse("x</b>").unwrap_err(),
            "Unexpected end tag at byte offset 1"
        );
        assert_eq!(
            parse("x <").unwrap_err(),
            "Unclosed start tag at byte offset 2"
        );
        assert!(parse("<span>x</span>").is_err());
    }
}
