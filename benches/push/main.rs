//! `cargo bench`: the morning push measured end to end — the real `mingjing` binary (built
//! by Cargo for this bench, the release profile) against the fake Bot API in this process
//! on 127.0.0.1 — printed as one table: the median of several runs and their spread.
//!
//! ```text
//! cargo bench --bench push                     # everything (about 8 minutes on 2 cores)
//! cargo bench --bench push -- --only fanout    # one scenario: fanout, paced, paid, scale, ontime, web
//! cargo bench --bench push -- --runs 3         # runs of every scenario
//! cargo bench --bench push -- --smoke          # tiny sizes, one run (what the tests run)
//! cargo bench --bench push -- --only scale --subs 20000   # another size of the scale scenario
//! cargo bench --bench push -- --only fanout --chats 100000 # another size of the fan-out
//! ```
//!
//! `MINGJING_BENCH_KEEP=1` keeps each run's folder (config, database, the bot's log).
//! `MINGJING_BENCH_WRAP` runs the bot under a profiler, e.g.
//! `MINGJING_BENCH_WRAP="valgrind --tool=massif --massif-out-file=/tmp/massif.%p"`.

mod scenarios;

use scenarios::{Row, SCENARIOS, Sizes, Target};

fn main() {
    let mut sizes = Sizes::full();
    let mut only = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--smoke" => sizes = Sizes::smoke(),
            "--runs" => {
                let n = args.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| {
                    usage("--runs needs a number");
                });
                sizes.quick_runs = n;
                sizes.slow_runs = n;
            }
            "--chats" => {
                sizes.fanout_chats =
                    args.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| {
                        usage("--chats needs a number");
                    });
            }
            "--subs" => {
                sizes.scale_subs = args.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| {
                    usage("--subs needs a number");
                });
            }
            "--only" => {
                let names = args.next().unwrap_or_else(|| usage("--only needs a name"));
                for name in names.split(',') {
                    if !SCENARIOS.contains(&name) {
                        usage(&format!("unknown scenario {name}"));
                    }
                    only.push(name.to_string());
                }
            }
            // Cargo passes `--bench`; a filter word may follow `cargo bench`.
            "--bench" => {}
            other if other.starts_with('-') => usage(&format!("unknown option {other}")),
            _ => {}
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let rows = runtime.block_on(scenarios::run(&sizes, &only, &|line| eprintln!("{line}")));
    print!("{}", table(&rows));
    if rows.iter().any(|r| !r.met()) {
        eprintln!("some targets were missed (marked ✗)");
    }
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "{problem}\nusage: push [--smoke] [--runs N] [--chats N] [--subs N] [--only {}]",
        SCENARIOS.join(",")
    );
    std::process::exit(2)
}

/// A Markdown table, ready for the README.
fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| measured | median | spread (min–max) | runs | target |\n|---|---:|---:|---:|---|\n",
    );
    for r in rows {
        let target = match r.target {
            None => String::new(),
            Some(t) => {
                let mark = if r.met() { "✓" } else { "✗" };
                match t {
                    Target::AtLeast(v) => format!("≥ {} {mark}", num(v)),
                    Target::AtMost(v) => format!("≤ {} {mark}", num(v)),
                }
            }
        };
        out += &format!(
            "| {} | {} | {}–{} | {} | {} |\n",
            r.what,
            num(r.median()),
            num(r.min()),
            num(r.max()),
            r.samples.len(),
            target
        );
    }
    out
}

/// Three significant figures or so, without noise.
fn num(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}
