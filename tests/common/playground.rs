//! `mingjing playground` as the tests run it: the real binary, its clock set, its folders
//! in the test's.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::web::Http;
use super::{poll_until, terminate};

/// `mingjing playground`, killed when dropped.
pub struct Playground {
    pub child: Child,
    pub url: String,
    log: PathBuf,
}

impl Drop for Playground {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Playground {
    /// Starts the playground on a free port, its clock at `now`, its temporary folders in
    /// `dir/tmp`, with a config file whose `storage.path` is `dir/configured-data`.
    pub fn start(dir: &Path, now: &str, data: Option<&Path>) -> Playground {
        let reminders = Path::new(env!("CARGO_MANIFEST_DIR")).join("reminders");
        let config = dir.join("config.toml");
        let storage = dir.join("configured-data");
        std::fs::write(
            &config,
            format!(
                "[content]\ndir = {:?}\n\n[storage]\npath = {:?}\n",
                reminders.display().to_string(),
                storage.display().to_string()
            ),
        )
        .unwrap();
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let log = dir.join("playground.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_mingjing"))
            .args([
                "--config",
                config.to_str().unwrap(),
                "playground",
                "--port",
                "0",
            ])
            .args(data.iter().flat_map(|d| [Path::new("--data"), d]))
            .current_dir(dir)
            .env("MINGJING_NOW", now)
            .env("TMPDIR", dir.join("tmp"))
            .env_remove("MINGJING_CONFIG")
            .env_remove("MINGJING_ADMINS")
            .env_remove("TELOXIDE_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the binary starts");
        // The first line names the address; the rest is read on, so that the pipe stays open.
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let at = first
            .find("http://")
            .unwrap_or_else(|| panic!("no address in {first:?}"));
        let url = first[at..].trim().to_string();
        Playground { child, url, log }
    }

    pub fn port(&self) -> u16 {
        let hostport = self.url.trim_start_matches("http://").trim_end_matches('/');
        hostport.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// Stops it with SIGTERM; it must exit 0 within 15 s.
    pub async fn stop(&mut self) {
        terminate(&self.child);
        let mut status = None;
        let stopped = poll_until(Duration::from_secs(15), || {
            status = self.child.try_wait().ok().flatten();
            status.is_some()
        })
        .await;
        assert!(stopped, "the playground did not stop:\n{}", self.log());
        assert!(status.unwrap().success(), "{:?}:\n{}", status, self.log());
        // Its emulator is its Telegram: up until the bot stopped.
        assert!(!self.log().contains("getUpdates failed"), "{}", self.log());
    }

    /// After a stop: the temporary data folder was removed, and the configured
    /// `storage.path` never made (in the folder given to [`Playground::start`]).
    pub fn assert_left_nothing(&self, dir: &Path) {
        let left: Vec<_> = std::fs::read_dir(dir.join("tmp")).unwrap().collect();
        assert!(
            left.is_empty(),
            "the temporary data folder is removed on exit: {left:?}"
        );
        assert!(
            !dir.join("configured-data").exists(),
            "the configured storage.path is never touched"
        );
    }

    /// A client of its web chat.
    pub fn http(&self) -> Http {
        Http::new(self.port())
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}
