//! `mingjing playground`: the bot against the built-in Bot API emulator, with its data in a
//! temporary folder (or `--data`), and the web chat on 127.0.0.1 (SPEC §15).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::clock::Clock;
use crate::config::Config;
use crate::playground::{self, Setup};

pub(super) fn run(
    config: Config,
    clock: Clock,
    port: u16,
    data: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let runtime = super::runtime()?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))
        .with_context(|| {
            format!("cannot listen on 127.0.0.1:{port} (choose another with --port)")
        })?;
    let addr = listener.local_addr()?;
    let fake = runtime.block_on(playground::start_emulator());
    // Removed when dropped, after the bot stopped.
    let temporary;
    let dir = match data {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            temporary = None;
            dir
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("mingjing-playground-")
                .tempdir()
                .context("cannot create a temporary folder for the playground's data")?;
            let dir = t.path().to_path_buf();
            temporary = Some(t);
            dir
        }
    };
    let config = playground::config(config, &fake.url(), &dir)?;
    let fresh = !config.storage_path.exists();
    let kept = match &temporary {
        Some(_) => "数据在临时目录，退出即删除".to_string(),
        None => format!("数据保存在 {}", dir.display()),
    };
    // Written at once, and a closed standard output (`| head -1`) does not stop the playground.
    let _ = write!(
        std::io::stdout().lock(),
        "明镜体验场：在浏览器中打开 http://{addr}/\n（无需令牌、不连网络；{kept}；Ctrl-C 退出）\n"
    );
    let code = super::serve(
        runtime,
        config,
        clock,
        Some(Setup {
            fake,
            listener,
            fresh,
        }),
    );
    drop(temporary);
    code
}
