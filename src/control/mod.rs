//! The control socket: how `mingjing export` and `preview` reach a running bot, which holds
//! the database's lock (SPEC §17, online backup).
//!
//! The bot listens on a Unix domain socket beside the database (`<storage.path>.sock`,
//! mode 0600, so only the bot's own user may connect), answers the read-only requests of
//! [`protocol`] with what the command would print offline ([`answers`]), and removes the
//! socket when it stops; a socket left by a crash is replaced at the next start.

pub mod answers;
pub mod protocol;

use std::io::{BufReader, Write};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixListener;
use tokio_util::sync::CancellationToken;

use crate::calendar::Calendar;
use crate::clock::Clock;
use crate::config::Config;
use crate::schedule;
use crate::store::Store;
pub use answers::Source;
pub use protocol::{Answer, Request};

/// How long the bot waits for a request line.
const REQUEST_WAIT: Duration = Duration::from_secs(5);
/// How long the bot waits for the command line to take its answer.
const ANSWER_WAIT: Duration = Duration::from_secs(60);
/// How long the command line waits for the bot's answer (an export of a large database
/// takes seconds).
const ASK_WAIT: Duration = Duration::from_secs(120);

/// The control socket of the database at `storage`: `<storage>.sock`, beside it.
pub fn socket_path(storage: &Path) -> PathBuf {
    let mut name = storage.as_os_str().to_owned();
    name.push(".sock");
    PathBuf::from(name)
}

/// The bound control socket; dropping it removes the socket file.
pub struct Socket {
    listener: UnixListener,
    path: PathBuf,
}

impl Socket {
    /// Binds the control socket of the database at `storage`, owner-only (0600) from the
    /// moment it appears, replacing a socket left by a process that died. Call it while
    /// holding the database's lock (so no other bot uses that socket) and inside a tokio
    /// runtime.
    pub fn bind(storage: &Path) -> std::io::Result<Socket> {
        let path = socket_path(storage);
        if let Ok(meta) = std::fs::symlink_metadata(&path)
            && !meta.file_type().is_socket()
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a socket", path.display()),
            ));
        }
        // Bound in a private folder, made owner-only there, then moved into place: nobody
        // else can connect in between, and a stale socket is replaced in one step.
        let parent = path.parent().unwrap_or(Path::new("."));
        let staging = parent.join(format!(".mingjing-control-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::DirBuilder::new().mode(0o700).create(&staging)?;
        let bound = (|| {
            let inner = staging.join("sock");
            let listener = std::os::unix::net::UnixListener::bind(&inner)?;
            std::fs::set_permissions(&inner, std::fs::Permissions::from_mode(0o600))?;
            std::fs::rename(&inner, &path)?;
            listener.set_nonblocking(true)?;
            UnixListener::from_std(listener)
        })();
        let _ = std::fs::remove_dir_all(&staging);
        Ok(Socket {
            listener: bound?,
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What the running bot answers from: its own config, database, calendar and clock.
#[derive(Clone)]
pub struct Host {
    pub config: Arc<Config>,
    pub store: Store,
    pub calendar: Arc<Calendar>,
    pub clock: Clock,
}

impl Host {
    fn answer(&self, request: Request) -> Answer {
        let source = Source {
            config: &self.config,
            store: &self.store,
            calendar: &self.calendar,
            today: schedule::local_date(self.clock.now(), self.config.timezone),
        };
        answers::answer(request, source)
            .unwrap_or_else(|e| Answer::failure(&crate::logging::scrub(&format!("{e:#}"))))
    }
}

/// Answers requests on `socket`, one at a time, until `shutdown`; then removes the socket.
pub async fn serve(socket: Socket, host: Host, shutdown: CancellationToken) {
    tracing::info!(socket = %socket.path.display(), "control socket ready (export, preview)");
    loop {
        let accepted = tokio::select! {
            accepted = socket.listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        match accepted {
            Ok((stream, _)) => {
                tokio::select! {
                    () = answer_one(stream, &host) => {}
                    () = shutdown.cancelled() => break,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "control socket: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    drop(socket);
}

/// Reads one request from `stream` and writes its answer.
async fn answer_one(stream: tokio::net::UnixStream, host: &Host) {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut reader = tokio::io::BufReader::new(read).take(protocol::MAX_REQUEST);
    let answer = match tokio::time::timeout(REQUEST_WAIT, reader.read_line(&mut line)).await {
        Err(_) => Answer::failure("no request within 5 s"),
        Ok(Err(e)) => Answer::failure(&format!("cannot read the request: {e}")),
        Ok(Ok(_)) => match Request::parse(&line) {
            Err(e) => Answer::failure(&e),
            Ok(request) => {
                let host = host.clone();
                let answered = tokio::task::spawn_blocking(move || host.answer(request)).await;
                let answer = answered.unwrap_or_else(|e| Answer::failure(&e.to_string()));
                tracing::info!(
                    request = %line.trim(),
                    status = answer.code,
                    bytes = answer.out.len(),
                    "control socket: answered"
                );
                answer
            }
        },
    };
    let sent = tokio::time::timeout(ANSWER_WAIT, async {
        write.write_all(answer.header().as_bytes()).await?;
        write.write_all(&answer.out).await?;
        write.write_all(&answer.err).await?;
        write.shutdown().await
    })
    .await;
    match sent {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "control socket: cannot send the answer"),
        Err(_) => tracing::warn!("control socket: the answer was not taken within {ANSWER_WAIT:?}"),
    }
    // The answer to a large export is freed now; give the memory back.
    crate::memory::release_free();
}

/// Asks the bot that holds the database at `storage` (its lock is taken) for `request`.
/// The error says the database is in use and why the bot could not be asked.
pub fn ask(storage: &Path, request: Request) -> anyhow::Result<Answer> {
    let path = socket_path(storage);
    let in_use = || {
        format!(
            "the database {} is in use by another mingjing process, and the running bot cannot be asked through its control socket {}",
            storage.display(),
            path.display()
        )
    };
    let mut stream = UnixStream::connect(&path).with_context(in_use)?;
    stream.set_read_timeout(Some(ASK_WAIT))?;
    stream.set_write_timeout(Some(REQUEST_WAIT))?;
    stream
        .write_all(request.line().as_bytes())
        .with_context(in_use)?;
    Answer::read_from(&mut BufReader::new(stream))
        .map_err(|e| anyhow!("the running bot's answer: {e}"))
}
