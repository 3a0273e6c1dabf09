//! The `mingjing` binary: parses the command line and hands over to [`mingjing::cli`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    limit_malloc_arenas();
    let args = mingjing::cli::Args::parse();
    mingjing::logging::init();
    match mingjing::cli::main(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", mingjing::logging::scrub(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// glibc gives threads that allocate heaps of their own ("arenas"), up to eight per core,
/// and keeps what is freed in each: after a push to 100,000 chats the bot held 130 MiB with
/// the default and 100 MiB with two arenas, for the same CPU time (README, Performance). An
/// operator's `MALLOC_ARENA_MAX` wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a tunable of the allocator; this runs first thing in
        // main, before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
