//! The `mingjing` binary: parses the command line and hands over to [`mingjing::cli`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = mingjing::cli::Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match mingjing::cli::main(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
