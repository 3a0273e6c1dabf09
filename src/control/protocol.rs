//! The control socket's protocol, version 1: one request line, one answer, then the
//! server closes the connection.
//!
//! ```text
//! request:  mingjing/1 export\n
//!           mingjing/1 export secrets\n       (with the robots' webhook URLs and secrets)
//!           mingjing/1 preview\n                (the running bot's today)
//!           mingjing/1 preview 2026-12-01\n
//! answer:   mingjing/1 <exit status> <stdout bytes> <stderr bytes>\n
//!           then exactly that many bytes of standard output, then of standard error
//! ```
//!
//! The answer is what the command prints offline, with its exit status. The lengths make
//! an answer cut short (the bot stopped in the middle) an error, never a shorter backup.

use std::io::{self, BufRead, Read};

use chrono::NaiveDate;

/// The first word of every request and answer; a later version changes the number.
pub const VERSION: &str = "mingjing/1";

/// The longest request line read, newline included.
pub const MAX_REQUEST: u64 = 128;
/// The longest answer header read, newline included.
const MAX_HEADER: u64 = 128;

/// What the command line asks of the running bot: read-only requests only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// `mingjing export [--with-secrets]`.
    Export { with_secrets: bool },
    /// `mingjing preview [--date D]`; `None`: the bot's today.
    Preview(Option<NaiveDate>),
}

impl Request {
    /// The request as sent, newline included.
    pub fn line(&self) -> String {
        match self {
            Request::Export {
                with_secrets: false,
            } => format!("{VERSION} export\n"),
            Request::Export { with_secrets: true } => format!("{VERSION} export secrets\n"),
            Request::Preview(None) => format!("{VERSION} preview\n"),
            Request::Preview(Some(d)) => format!("{VERSION} preview {}\n", d.format("%Y-%m-%d")),
        }
    }

    /// Reads a request line (with or without its newline); the error says what is wrong.
    pub fn parse(line: &str) -> Result<Request, String> {
        let mut words = line.split_ascii_whitespace();
        match words.next() {
            Some(VERSION) => {}
            Some(other) => {
                return Err(format!(
                    "unsupported control protocol {other:?} (this bot speaks {VERSION})"
                ));
            }
            None => return Err("empty request".into()),
        }
        let request = match (words.next(), words.next()) {
            (Some("export"), None) => Request::Export {
                with_secrets: false,
            },
            (Some("export"), Some("secrets")) => Request::Export { with_secrets: true },
            (Some("preview"), None) => Request::Preview(None),
            (Some("preview"), Some(date)) => Request::Preview(Some(
                crate::calendar::parse_date(date).map_err(|e| format!("{date}: {e}"))?,
            )),
            _ => return Err(format!("unknown request {:?}", line.trim())),
        };
        match words.next() {
            None => Ok(request),
            Some(_) => Err(format!("unknown request {:?}", line.trim())),
        }
    }
}

/// What a command prints and its exit status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub code: u8,
    pub out: Vec<u8>,
    pub err: Vec<u8>,
}

impl Answer {
    /// Standard output `out`, exit status 0.
    pub fn printed(out: String) -> Answer {
        Answer {
            out: out.into_bytes(),
            ..Answer::default()
        }
    }

    /// A failure as the binary reports one: `error: …` on standard error, exit status 1.
    pub fn failure(message: &str) -> Answer {
        Answer {
            code: 1,
            err: format!("error: {message}\n").into_bytes(),
            ..Answer::default()
        }
    }

    /// The header line that precedes the output.
    pub fn header(&self) -> String {
        format!(
            "{VERSION} {} {} {}\n",
            self.code,
            self.out.len(),
            self.err.len()
        )
    }

    /// Reads an answer written as [`Answer::header`] and the bytes it announces.
    pub fn read_from(r: &mut impl BufRead) -> Result<Answer, String> {
        let mut header = String::new();
        r.by_ref()
            .take(MAX_HEADER)
            .read_line(&mut header)
            .map_err(|e| format!("cannot read the answer: {e}"))?;
        if header.is_empty() {
            return Err("the bot closed the connection without an answer".into());
        }
        let bad = || format!("not an answer of {VERSION}: {:?}", header.trim_end());
        let words: Vec<&str> = header.split_ascii_whitespace().collect();
        let [VERSION, code, out, err] = words.as_slice() else {
            return Err(bad());
        };
        let code: u8 = code.parse().map_err(|_| bad())?;
        let out_len: u64 = out.parse().map_err(|_| bad())?;
        let err_len: u64 = err.parse().map_err(|_| bad())?;
        let out = read_exactly(r, out_len).map_err(|e| format!("the output {e}"))?;
        let err = read_exactly(r, err_len).map_err(|e| format!("the messages {e}"))?;
        Ok(Answer { code, out, err })
    }
}

/// `len` bytes, or an error saying how many came.
fn read_exactly(r: &mut impl Read, len: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    r.by_ref()
        .take(len)
        .read_to_end(&mut bytes)
        .map_err(|e: io::Error| format!("could not be read: {e}"))?;
    if (bytes.len() as u64) < len {
        return Err(format!(
            "was cut short: {} of {len} bytes came",
            bytes.len()
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_read_back_as_written() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        for r in [
            Request::Export {
                with_secrets: false,
            },
            Request::Export { with_secrets: true },
            Request::Preview(None),
            Request::Preview(Some(date)),
        ] {
            assert_eq!(Request::parse(&r.line()), Ok(r));
        }
        assert_eq!(
            Request::Preview(Some(date)).line(),
            "mingjing/1 preview 2026-12-01\n"
        );
    }

    #[test]
    fn other_requests_are_refused_with_the_reason() {
        let cases = [
            ("", "empty request"),
            (
                "mingjing/2 export",
                "unsupported control protocol \"mingjing/2\"",
            ),
            ("mingjing/1 import", "unknown request \"mingjing/1 import\""),
            ("mingjing/1 export now", "unknown request"),
            (
                "mingjing/1 preview 2026-13-01",
                "2026-13-01: the month is 13",
            ),
            ("mingjing/1 preview 2026-12-01 x", "unknown request"),
        ];
        for (line, want) in cases {
            let got = Request::parse(line).unwrap_err();
            assert!(got.starts_with(want), "{line:?}: {got}");
        }
    }

    #[test]
    fn answers_read_back_and_a_cut_one_is_an_error() {
        let answer = Answer {
            code: 1,
            out: "【纪律明镜】\n".as_bytes().to_vec(),
            err: b"note: a weekend\n".to_vec(),
        };
        let mut wire = answer.header().into_bytes();
        wire.extend(&answer.out);
        wire.extend(&answer.err);
        assert_eq!(Answer::read_from(&mut wire.as_slice()), Ok(answer));

        let cut = &wire[..wire.len() - 3];
        let e = Answer::read_from(&mut &cut[..]).unwrap_err();
        assert!(e.contains("cut short: 13 of 16 bytes"), "{e}");
        let e = Answer::read_from(&mut &b""[..]).unwrap_err();
        assert!(e.contains("without an answer"), "{e}");
        let e = Answer::read_from(&mut &b"HTTP/1.1 400\n"[..]).unwrap_err();
        assert!(e.contains("not an answer of mingjing/1"), "{e}");
    }
}
