//! Turns the JSON lines of repeated `loadgen send` runs into the markdown table for
//! BENCHMARKS.md: median and spread (min–max) per receiver, and the ratios the targets name.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use super::summary::median_spread;

/// (label, metric) → values over repetitions.
type Runs = BTreeMap<String, Vec<Value>>;

fn group(lines: &str) -> Runs {
    let mut runs: Runs = BTreeMap::new();
    for line in lines.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if v.get("mode").and_then(Value::as_str) != Some("send") {
            continue;
        }
        let label = v
            .get("label")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        runs.entry(label).or_default().push(v);
    }
    runs
}

fn values(runs: &[Value], key: &str) -> Vec<f64> {
    runs.iter()
        .map(|r| r.pointer(key).and_then(Value::as_f64).unwrap_or(f64::NAN))
        .collect()
}

fn cell(runs: &[Value], key: &str, scale: f64, digits: usize) -> String {
    match median_spread(&values(runs, key)) {
        Some((m, lo, hi)) => format!(
            "{:.d$} ({:.d$}–{:.d$})",
            m / scale,
            lo / scale,
            hi / scale,
            d = digits
        ),
        None => "n/a".into(),
    }
}

fn median(runs: &[Value], key: &str) -> Option<f64> {
    median_spread(&values(runs, key)).map(|m| m.0)
}

/// The markdown table, then one line per ratio (`subject` vs `baseline` and `ceiling`).
pub fn render(lines: &str, order: &[&str], subject: &str, baseline: &str, ceiling: &str) -> String {
    let runs = group(lines);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| receiver | runs | accepted msgs/s (median, min–max) | MB/s | CPU s per 1M msgs | peak RSS MiB | complete | offenses found / hidden |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    let mut labels: Vec<&String> = runs.keys().collect();
    labels.sort_by_key(|l| order.iter().position(|o| o == l).unwrap_or(usize::MAX));
    for label in labels {
        let r = &runs[label];
        let complete = r
            .iter()
            .filter(|v| v.get("complete").and_then(Value::as_bool) == Some(true))
            .count();
        let offenses = r
            .iter()
            .filter_map(|v| {
                let found = v.pointer("/offenses/found")?.as_u64()?;
                let hidden = v.pointer("/offenses/hidden")?.as_u64()?;
                let fp = v.pointer("/offenses/false_positives")?.as_u64()?;
                Some(format!("{found}/{hidden} (+{fp} false)"))
            })
            .collect::<Vec<_>>();
        let derived = r
            .iter()
            .any(|v| v.get("mb_per_s_derived").and_then(Value::as_bool) == Some(true));
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {}{} | {} | {} | {complete}/{} | {} |",
            r.len(),
            cell(r, "/steady_msgs_per_s", 1.0, 0),
            cell(r, "/steady_mb_per_s", 1.0, 1),
            if derived { "*" } else { "" },
            cell(r, "/cpu_s_per_million", 1.0, 2),
            cell(r, "/peak_rss_bytes", 1_048_576.0, 1),
            r.len(),
            if offenses.is_empty() {
                "–".to_string()
            } else {
                offenses.join(", ")
            }
        );
    }
    let ratio = |a: &str, b: &str| -> Option<f64> {
        let x = median(runs.get(a)?, "/steady_msgs_per_s")?;
        let y = median(runs.get(b)?, "/steady_msgs_per_s")?;
        (y > 0.0).then_some(x / y)
    };
    let _ = writeln!(out);
    if let Some(x) = ratio(subject, baseline) {
        let _ = writeln!(
            out,
            "- {subject} / {baseline} accepted msgs/s (medians): **{x:.2}×** (target ≥ 2×)"
        );
    }
    if let Some(x) = ratio(subject, ceiling) {
        let _ = writeln!(
            out,
            "- {subject} / {ceiling} accepted msgs/s (medians): **{:.0} %** (target ≥ 80 %)",
            x * 100.0
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_ratios_come_from_the_runs() {
        let lines = [
            r#"{"mode":"send","label":"bare","steady_msgs_per_s":1000,"steady_mb_per_s":1,"complete":true}"#,
            r#"{"mode":"send","label":"bare","steady_msgs_per_s":3000,"steady_mb_per_s":3,"complete":true}"#,
            r#"{"mode":"send","label":"bare","steady_msgs_per_s":2000,"steady_mb_per_s":2,"complete":true}"#,
            r#"{"mode":"send","label":"rollcall","steady_msgs_per_s":1800,"complete":true,"offenses":{"found":5,"hidden":5,"false_positives":0}}"#,
            r#"{"mode":"send","label":"rsyslog","steady_msgs_per_s":600,"complete":false,"mb_per_s_derived":true,"steady_mb_per_s":0.5}"#,
            "not json",
        ]
        .join("\n");
        let t = render(
            &lines,
            &["bare", "rsyslog", "rollcall"],
            "rollcall",
            "rsyslog",
            "bare",
        );
        assert!(t.contains("| bare | 3 | 2000 (1000–3000) |"), "{t}");
        assert!(
            t.contains("| rsyslog | 1 | 600 (600–600) | 0.5 (0.5–0.5)* |"),
            "{t}"
        );
        assert!(t.contains("5/5 (+0 false)"), "{t}");
        assert!(t.contains("**3.00×**"), "{t}");
        assert!(t.contains("**90 %**"), "{t}");
        let bare = t.find("| bare").unwrap();
        let rsyslog = t.find("| rsyslog").unwrap();
        assert!(bare < rsyslog);
    }
}
