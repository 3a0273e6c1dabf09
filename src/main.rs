//! The `mingjing` binary: parses the command line and hands over to [`mingjing::cli`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    mingjing::memory::limit_arenas();
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
