//! Reads an offense file (rollcall's `file` output, LEEF or JSON lines) back: which sources
//! were reported.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

/// The offense source in one output line: LEEF `src=…` (up to the `^` delimiter), or the
/// JSON form's `"source":"…"`.
pub fn offense_source(line: &str) -> Option<&str> {
    if let Some(i) = line.find("\"source\":\"") {
        let rest = &line[i + 10..];
        return rest.find('"').map(|end| &rest[..end]);
    }
    let i = line
        .find("^src=")
        .map(|i| i + 5)
        .or_else(|| line.find("|src=").map(|i| i + 5))?;
    let rest = &line[i..];
    let end = rest.find(['^', '\t', '\n', '\r']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Offense lines per source in `path` (a missing file has none).
pub fn read_offense_sources(path: &Path) -> io::Result<BTreeMap<String, usize>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let mut per_source = BTreeMap::new();
    for line in text.lines() {
        if let Some(src) = offense_source(line) {
            *per_source.entry(src.to_string()).or_insert(0) += 1;
        }
    }
    Ok(per_source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_source_in_both_line_formats() {
        let leef = "<116>Nov 23 10:15:30 rollcall01 LEEF:2.0|Rollcall|RollcallDetector|0.1.0|ROLLCALL_ACCOUNT_ENUMERATION|^|devTime=1^cat=Reconnaissance^sev=5^src=198.18.0.7^total_failures=15";
        assert_eq!(offense_source(leef), Some("198.18.0.7"));
        let json = r#"{"rule":"t1589-enum","source":"2001:db8::7","attribution":"event_ip"}"#;
        assert_eq!(offense_source(json), Some("2001:db8::7"));
        assert_eq!(offense_source("<13>Nov 23 hello"), None);
        let last = "LEEF:2.0|a|b|c|d|^|sev=5^src=10.0.0.1";
        assert_eq!(offense_source(last), Some("10.0.0.1"));
    }
}
