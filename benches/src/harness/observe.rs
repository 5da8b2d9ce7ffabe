//! Samples a receiver's own counters while a load runs: Prometheus text from an HTTP
//! endpoint (rollcall `/metrics`, the bare receiver), or rsyslog's impstats JSON file.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

/// Where a receiver's counters come from.
#[derive(Clone, Debug)]
pub enum CounterSource {
    /// `GET /metrics` on `addr`; each counter is the sum of a metric's series.
    Prometheus {
        addr: SocketAddr,
        messages: String,
        bytes: Option<String>,
        /// More metrics to record in every sample (evictions, tracked sources, …).
        extra: Vec<String>,
    },
    /// rsyslog impstats `format="json"` log file; `messages` is `field` of the stats object
    /// called `name` (e.g. `imtcp(PORT)` / `submitted`).
    Impstats {
        path: PathBuf,
        name: String,
        field: String,
    },
}

/// One reading of the counters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    pub messages: u64,
    pub bytes: Option<u64>,
    pub extra: Vec<(String, f64)>,
    /// False when nothing new was published since the last reading (impstats writes once
    /// per interval; rates must only use fresh readings).
    pub fresh: bool,
    /// Messages still queued inside the receiver, when it says (rsyslog main queue size).
    pub queued: Option<u64>,
}

/// Reads a [`CounterSource`] repeatedly.
pub struct Observer {
    source: CounterSource,
    offset: u64,
    last: Reading,
}

impl Observer {
    pub fn new(source: CounterSource) -> Observer {
        Observer {
            source,
            offset: 0,
            last: Reading::default(),
        }
    }

    pub fn read(&mut self) -> io::Result<Reading> {
        match &self.source {
            CounterSource::Prometheus {
                addr,
                messages,
                bytes,
                extra,
            } => {
                let text = http_get(*addr, "/metrics")?;
                let sums = sum_series(&text);
                let get = |name: &str| sums.get(name).copied();
                let r = Reading {
                    messages: get(messages).unwrap_or(0.0) as u64,
                    bytes: bytes.as_deref().and_then(get).map(|b| b as u64),
                    extra: extra
                        .iter()
                        .map(|n| (n.clone(), get(n).unwrap_or(f64::NAN)))
                        .collect(),
                    fresh: true,
                    queued: None,
                };
                self.last = r.clone();
                Ok(r)
            }
            CounterSource::Impstats { path, name, field } => {
                let (name, field) = (name.clone(), field.clone());
                let path = path.clone();
                self.read_impstats(&path, &name, &field)
            }
        }
    }

    fn read_impstats(&mut self, path: &PathBuf, name: &str, field: &str) -> io::Result<Reading> {
        let mut r = Reading {
            fresh: false,
            ..self.last.clone()
        };
        let mut file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(r),
            Err(e) => return Err(e),
        };
        file.seek(SeekFrom::Start(self.offset))?;
        let mut reader = BufReader::new(file);
        let mut line = String::new();
        loop {
            line.clear();
            let n = reader.read_line(&mut line)?;
            if n == 0 || !line.ends_with('\n') {
                break; // partial lines are read again next time
            }
            self.offset += n as u64;
            let Some(obj) = impstats_object(&line) else {
                continue;
            };
            let obj_name = obj.get("name").and_then(Value::as_str).unwrap_or("");
            if obj_name == name {
                if let Some(v) = obj.get(field).and_then(Value::as_u64) {
                    r.messages = v;
                    r.fresh = true;
                }
            } else if obj_name == "main Q" {
                r.queued = obj.get("size").and_then(Value::as_u64);
            }
        }
        self.last = r.clone();
        Ok(r)
    }
}

/// impstats lines look like `Mon Nov 23 18:49:37 2026: { "name": …, … }`.
fn impstats_object(line: &str) -> Option<serde_json::Map<String, Value>> {
    let brace = line.find('{')?;
    match serde_json::from_str::<Value>(line[brace..].trim()).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// Plain HTTP/1.0 GET on loopback; returns the body.
pub fn http_get(addr: SocketAddr, path: &str) -> io::Result<String> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    // One write: a server that answers after the first read must see the whole request.
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes())?;
    let mut response = String::new();
    s.read_to_string(&mut response)?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(head, body)| (head, body.to_string()));
    match body {
        Some((head, body)) if head.starts_with("HTTP/1.") && head.contains(" 200") => Ok(body),
        Some((head, _)) => Err(io::Error::other(format!(
            "GET {path}: {}",
            head.lines().next().unwrap_or("")
        ))),
        None => Err(io::Error::other(format!("GET {path}: malformed response"))),
    }
}

/// Sums every series of each metric in Prometheus/OpenMetrics text.
pub fn sum_series(text: &str) -> HashMap<String, f64> {
    let mut sums = HashMap::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let name_end = line.find(['{', ' ']).unwrap_or(line.len());
        let name = &line[..name_end];
        // The value follows the label set (which may contain spaces inside quotes).
        let after_labels = match line[name_end..].starts_with('{') {
            true => match line.rfind('}') {
                Some(close) => &line[close + 1..],
                None => continue,
            },
            false => &line[name_end..],
        };
        let Some(value) = after_labels.split_ascii_whitespace().next() else {
            continue;
        };
        if let Ok(v) = value.parse::<f64>() {
            *sums.entry(name.to_string()).or_insert(0.0) += v;
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_series_across_labels() {
        let text = "# HELP x y\n# TYPE rollcall_messages_received counter\n\
            rollcall_messages_received_total{listener=\"tcp/127.0.0.1:1\",protocol=\"tcp\"} 10\n\
            rollcall_messages_received_total{listener=\"udp/a b\",protocol=\"udp\"} 5\n\
            rollcall_tracked_sources 3\n# EOF\n";
        let s = sum_series(text);
        assert_eq!(s["rollcall_messages_received_total"], 15.0);
        assert_eq!(s["rollcall_tracked_sources"], 3.0);
        assert!(!s.contains_key("rollcall_messages_received"));
    }

    #[test]
    fn reads_impstats_lines_incrementally() {
        let dir = std::env::temp_dir().join(format!("loadgen-impstats-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("stats.json");
        let mut f = File::create(&path).unwrap();
        writeln!(f, "Mon Nov 23 18:49:37 2026: {{ \"name\": \"imtcp(25514)\", \"origin\": \"imtcp\", \"submitted\": 4 }}").unwrap();
        writeln!(f, "Mon Nov 23 18:49:37 2026: {{ \"name\": \"main Q\", \"origin\": \"core.queue\", \"size\": 2 }}").unwrap();
        let mut o = Observer::new(CounterSource::Impstats {
            path: path.clone(),
            name: "imtcp(25514)".into(),
            field: "submitted".into(),
        });
        let r = o.read().unwrap();
        assert_eq!((r.messages, r.fresh, r.queued), (4, true, Some(2)));
        let r = o.read().unwrap();
        assert_eq!((r.messages, r.fresh), (4, false));
        write!(
            f,
            "Mon Nov 23 18:49:38 2026: {{ \"name\": \"imtcp(25514)\", \"submitted\": 9 }}"
        )
        .unwrap();
        assert!(!o.read().unwrap().fresh, "a partial line is not read");
        writeln!(f).unwrap();
        assert_eq!(o.read().unwrap().messages, 9);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
