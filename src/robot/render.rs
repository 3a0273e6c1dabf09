//! A message in each platform's format: the Telegram HTML every kind renders (the same
//! edition, the same overrides) read back into lines of plain and bold text, then written
//! as WeCom `markdown`, DingTalk `markdown` with a `title`, or a Feishu `post`. A message
//! over the platform's size limit becomes consecutive parts, each within it; every part
//! carries the message's first line (its marker, e.g. `【纪律明镜·天天照】`, so that a
//! DingTalk or Feishu robot guarded by that keyword takes each part) numbered `（2/3）`.

use serde_json::{Value, json};

use super::Platform;

/// A run of text, bold or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub bold: bool,
}

/// One line of a message.
pub type Line = Vec<Span>;

/// Bytes kept free in the first line of each part for its number, `（12/12）`.
const NUMBER_ROOM: usize = 32;

/// Reads Telegram HTML (`<b>`, `<strong>`, other tags dropped, entities decoded) into lines.
pub fn lines(html: &str) -> Vec<Line> {
    let mut out: Vec<Line> = vec![Vec::new()];
    let mut bold = 0usize;
    let mut rest = html;
    let mut text = String::new();
    let flush = |text: &mut String, out: &mut Vec<Line>, bold: bool| {
        if text.is_empty() {
            return;
        }
        let line = out.last_mut().expect("there is always a line");
        match line.last_mut() {
            Some(last) if last.bold == bold => last.text.push_str(text),
            _ => line.push(Span {
                text: text.clone(),
                bold,
            }),
        }
        text.clear();
    };
    while let Some(c) = rest.chars().next() {
        match c {
            '<' if rest.contains('>') => {
                let end = rest.find('>').unwrap_or_default();
                let tag = rest[1..end].trim().to_ascii_lowercase();
                let name = tag.split_whitespace().next().unwrap_or("");
                match name {
                    "b" | "strong" => {
                        flush(&mut text, &mut out, bold > 0);
                        bold += 1;
                    }
                    "/b" | "/strong" => {
                        flush(&mut text, &mut out, bold > 0);
                        bold = bold.saturating_sub(1);
                    }
                    "br" | "br/" => {
                        flush(&mut text, &mut out, bold > 0);
                        out.push(Vec::new());
                    }
                    _ => {}
                }
                rest = &rest[end + 1..];
            }
            '\n' => {
                flush(&mut text, &mut out, bold > 0);
                out.push(Vec::new());
                rest = &rest[1..];
            }
            '&' => {
                let entity = rest.find(';').filter(|&i| i <= 10).map(|i| &rest[..=i]);
                let decoded = entity.and_then(|e| match e {
                    "&lt;" => Some('<'),
                    "&gt;" => Some('>'),
                    "&amp;" => Some('&'),
                    "&quot;" => Some('"'),
                    "&#39;" | "&apos;" => Some('\''),
                    _ => None,
                });
                match (entity, decoded) {
                    (Some(e), Some(ch)) => {
                        text.push(ch);
                        rest = &rest[e.len()..];
                    }
                    _ => {
                        text.push('&');
                        rest = &rest[1..];
                    }
                }
            }
            c => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    flush(&mut text, &mut out, bold > 0);
    while out.last().is_some_and(Vec::is_empty) {
        out.pop();
    }
    out
}

/// The plain text of a line.
pub fn plain(line: &[Span]) -> String {
    line.iter().map(|s| s.text.as_str()).collect()
}

fn markdown(line: &[Span]) -> String {
    line.iter()
        .map(|s| match (s.bold, s.text.trim().is_empty()) {
            (true, false) => format!("**{}**", s.text),
            _ => s.text.clone(),
        })
        .collect()
}

fn post_line(line: &[Span]) -> Value {
    if line.is_empty() {
        return json!([{"tag": "text", "text": ""}]);
    }
    Value::Array(
        line.iter()
            .map(|s| {
                if s.bold {
                    json!({"tag": "text", "text": s.text, "style": ["bold"]})
                } else {
                    json!({"tag": "text", "text": s.text})
                }
            })
            .collect(),
    )
}

/// The bytes a line adds to a part of `kind` (with its line break).
fn line_size(kind: Platform, line: &[Span]) -> usize {
    match kind {
        Platform::WeCom => markdown(line).len() + 1,
        Platform::DingTalk => markdown(line).len() + 2,
        Platform::Feishu => post_line(line).to_string().len() + 1,
    }
}

/// What a character costs at most, written (JSON escapes count twice).
fn char_cost(c: char) -> usize {
    match c {
        '"' | '\\' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

/// What a span costs besides its characters.
fn span_cost(kind: Platform) -> usize {
    match kind {
        Platform::WeCom | Platform::DingTalk => 4,
        Platform::Feishu => 48,
    }
}

/// Cuts a line too long for one part into pieces of at most `budget` bytes each.
fn cut(kind: Platform, line: Line, budget: usize) -> Vec<Line> {
    let mut pieces: Vec<Line> = Vec::new();
    let mut piece: Line = Vec::new();
    let mut used = 0;
    for span in line {
        let mut text = String::new();
        used += span_cost(kind);
        for c in span.text.chars() {
            if used + char_cost(c) > budget && !(text.is_empty() && piece.is_empty()) {
                if !text.is_empty() {
                    piece.push(Span {
                        text: std::mem::take(&mut text),
                        bold: span.bold,
                    });
                }
                pieces.push(std::mem::take(&mut piece));
                used = span_cost(kind);
            }
            used += char_cost(c);
            text.push(c);
        }
        if !text.is_empty() {
            piece.push(Span {
                text,
                bold: span.bold,
            });
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// The request bodies of a message (`html`, as for Telegram) to a robot of `kind`: one per
/// part, in order, each within the platform's limit. Unsigned: the sender adds the
/// signature where the platform wants one.
pub fn messages(kind: Platform, html: &str) -> Vec<Value> {
    let mut all = lines(html);
    if all.is_empty() {
        return Vec::new();
    }
    let head = all.remove(0);
    let budget = kind
        .max_part_bytes()
        .saturating_sub(line_size(kind, &head) + NUMBER_ROOM)
        .max(256);
    let mut parts: Vec<Vec<Line>> = vec![Vec::new()];
    let mut used = 0;
    for line in all {
        let pieces = if line_size(kind, &line) > budget {
            cut(kind, line, budget - 8)
        } else {
            vec![line]
        };
        for piece in pieces {
            let size = line_size(kind, &piece);
            let current = parts.last_mut().expect("there is always a part");
            if used + size > budget && !current.is_empty() {
                parts.push(Vec::new());
                used = 0;
            }
            // A part does not start with a blank line.
            let current = parts.last_mut().expect("there is always a part");
            if current.is_empty() && piece.is_empty() {
                continue;
            }
            current.push(piece);
            used += size;
        }
    }
    let count = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let mut head = head.clone();
            if count > 1 {
                head.push(Span {
                    text: format!("（{}/{count}）", i + 1),
                    bold: false,
                });
            }
            body_of(kind, &head, &body)
        })
        .collect()
}

fn body_of(kind: Platform, head: &[Span], body: &[Line]) -> Value {
    match kind {
        Platform::WeCom => {
            let text: Vec<String> = std::iter::once(head)
                .chain(body.iter().map(Vec::as_slice))
                .map(markdown)
                .collect();
            json!({"msgtype": "markdown", "markdown": {"content": text.join("\n")}})
        }
        Platform::DingTalk => {
            // DingTalk's markdown joins single line breaks: each line is a paragraph.
            let text: Vec<String> = std::iter::once(head)
                .chain(body.iter().map(Vec::as_slice))
                .filter(|l| !plain(l).trim().is_empty())
                .map(markdown)
                .collect();
            json!({
                "msgtype": "markdown",
                "markdown": {"title": plain(head), "text": text.join("\n\n")}
            })
        }
        Platform::Feishu => {
            let content: Vec<Value> = body.iter().map(|l| post_line(l)).collect();
            json!({
                "msg_type": "post",
                "content": {"post": {"zh_cn": {"title": plain(head), "content": content}}}
            })
        }
    }
}

/// The text of a part, as the platform's group shows it, for limits and tests.
pub fn text_of(body: &Value) -> String {
    if let Some(md) = body.get("markdown") {
        let text = md.get("content").or_else(|| md.get("text"));
        return text.and_then(Value::as_str).unwrap_or_default().to_string();
    }
    body.pointer("/content/post/zh_cn/content")
        .map(Value::to_string)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EDITION: &str = "【纪律明镜·天天照】\n2026年12月1日 星期二\n\n\
        <b>政治提醒</b>：&lt;b&gt;不&lt;/b&gt; &amp; 要\n\
        <b>纪律提醒</b>：纪律0\n\
        <b>作风提醒</b>：作风0\n\
        <b>廉政提醒</b>：廉政0\n\n\
        <b>第一议题</b>：“习语0”——《出处》";

    #[test]
    fn html_reads_back_as_lines_of_bold_and_plain_text() {
        let l = lines(EDITION);
        assert_eq!(l.len(), 9);
        assert_eq!(plain(&l[0]), "【纪律明镜·天天照】");
        assert!(l[2].is_empty());
        assert_eq!(
            l[3],
            vec![
                Span {
                    text: "政治提醒".into(),
                    bold: true
                },
                Span {
                    text: "：<b>不</b> & 要".into(),
                    bold: false
                },
            ]
        );
        assert_eq!(
            plain(&lines("<b>【通知】</b>\n明天&nbsp;开会")[1]),
            "明天&nbsp;开会"
        );
    }

    #[test]
    fn each_platform_gets_its_own_format() {
        let wecom = messages(Platform::WeCom, EDITION);
        assert_eq!(wecom.len(), 1);
        assert_eq!(wecom[0]["msgtype"], "markdown");
        assert_eq!(
            wecom[0]["markdown"]["content"],
            "【纪律明镜·天天照】\n2026年12月1日 星期二\n\n**政治提醒**：<b>不</b> & 要\n**纪律提醒**：纪律0\n**作风提醒**：作风0\n**廉政提醒**：廉政0\n\n**第一议题**：“习语0”——《出处》"
        );

        let ding = messages(Platform::DingTalk, EDITION);
        assert_eq!(ding[0]["msgtype"], "markdown");
        assert_eq!(ding[0]["markdown"]["title"], "【纪律明镜·天天照】");
        assert_eq!(
            ding[0]["markdown"]["text"],
            "【纪律明镜·天天照】\n\n2026年12月1日 星期二\n\n**政治提醒**：<b>不</b> & 要\n\n**纪律提醒**：纪律0\n\n**作风提醒**：作风0\n\n**廉政提醒**：廉政0\n\n**第一议题**：“习语0”——《出处》"
        );

        let feishu = messages(Platform::Feishu, EDITION);
        assert_eq!(feishu[0]["msg_type"], "post");
        let post = &feishu[0]["content"]["post"]["zh_cn"];
        assert_eq!(post["title"], "【纪律明镜·天天照】");
        assert_eq!(
            post["content"][0],
            json!([{"tag": "text", "text": "2026年12月1日 星期二"}])
        );
        assert_eq!(
            post["content"][2],
            json!([
                {"tag": "text", "text": "政治提醒", "style": ["bold"]},
                {"tag": "text", "text": "：<b>不</b> & 要"}
            ])
        );
        assert_eq!(post["content"].as_array().unwrap().len(), 8);
    }

    /// A message of 4,000 Chinese characters (12,000 bytes) in every format.
    fn long_message() -> String {
        let mut html = String::from("【纪律明镜·天天照】\n2026年12月1日 星期二\n\n");
        for label in ["政治提醒", "纪律提醒", "作风提醒", "廉政提醒"] {
            let text: String = (0..1000)
                .map(|i| char::from_u32(0x4e00 + i).unwrap())
                .collect();
            html += &format!("<b>{label}</b>：{text}\n");
        }
        html
    }

    #[test]
    fn a_long_message_is_split_into_numbered_parts_within_the_limit() {
        let html = long_message();
        let everything: String = lines(&html)[1..].iter().map(|l| plain(l)).collect();
        for kind in Platform::ALL {
            let parts = messages(kind, &html);
            let n = parts.len();
            let limit = kind.max_part_bytes();
            match kind {
                Platform::Feishu => assert_eq!(n, 1, "16 KB holds 12,000 bytes"),
                _ => assert!(n >= 3, "{kind:?}: {n}"),
            }
            let mut seen = String::new();
            for (i, part) in parts.iter().enumerate() {
                let text = text_of(part);
                assert!(text.len() <= limit, "{kind:?} part {i}: {}", text.len());
                if kind == Platform::Feishu {
                    assert!(part.to_string().len() <= 20 * 1024);
                    continue;
                }
                let first = text.lines().next().unwrap();
                if n > 1 {
                    assert_eq!(first, format!("【纪律明镜·天天照】（{}/{n}）", i + 1));
                }
                let body: String = text.lines().skip(1).map(|l| l.replace("**", "")).collect();
                seen += &body;
            }
            if kind != Platform::Feishu {
                assert_eq!(seen, everything, "{kind:?}: nothing lost, nothing repeated");
            }
        }
        // Deterministic: the same message always splits the same way (a part is a delivery).
        assert_eq!(
            messages(Platform::WeCom, &html),
            messages(Platform::WeCom, &html)
        );
    }

    #[test]
    fn nothing_to_send_is_no_message() {
        assert!(messages(Platform::WeCom, "").is_empty());
        assert!(messages(Platform::WeCom, "\n\n").is_empty());
        assert_eq!(messages(Platform::Feishu, "<b>【通知】</b>").len(), 1);
    }
}
