//! The benchmark code (`benches/push`) at tiny sizes, one run of each scenario, so that the
//! test suite keeps it working. The figures of a debug build mean nothing; the scenarios'
//! own checks (every chat served exactly once, no 429 when paced, a clean exit) must hold.

#[path = "../benches/push/scenarios.rs"]
mod scenarios;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_benchmark_scenario_runs_at_smoke_size() {
    let rows = scenarios::run(&scenarios::Sizes::smoke(), &[], &|line| eprintln!("{line}")).await;
    let names: Vec<&str> = rows.iter().map(|r| r.what.as_str()).collect();
    assert!(rows.len() >= 10, "{names:?}");
    for row in &rows {
        assert!(!row.samples.is_empty(), "no figure for {}", row.what);
        assert!(
            row.samples.iter().all(|v| v.is_finite()),
            "{}: {:?}",
            row.what,
            row.samples
        );
    }
    let r429 = rows
        .iter()
        .find(|r| r.what.contains("429"))
        .expect("the 429 row");
    assert_eq!(
        r429.samples,
        vec![0.0],
        "the paced run provoked 429 answers"
    );
}
