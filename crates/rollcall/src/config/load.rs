//! Reading a config file: TOML syntax, then the schema, then semantic validation, collecting
//! every error with its line instead of stopping at the first.
//!
//! serde stops at the first error of a value, so each section (and each `[[listen]]` /
//! `[[output]]` item) is deserialised on its own, and an unknown key is removed and the item
//! retried, so one typo does not hide the next.

use std::path::Path;

use serde::de::{DeserializeOwned, IntoDeserializer};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::errors::{ConfigError, ConfigErrors, KeyPath, KeySegment, Position};
use super::validate::Parts;
use super::{Config, DetectionConfig, ListenConfig, MetricsConfig, OutputConfig, StateConfig};

/// How the embedded default is named in error messages.
pub const EMBEDDED_NAME: &str = "<embedded default>";

const SECTIONS: [&str; 5] = ["listen", "detection", "output", "metrics", "state"];

/// Loads and validates a config file; `None` loads the embedded [`super::DEFAULT_CONFIG`].
pub fn load(path: Option<&Path>) -> Result<Config, ConfigErrors> {
    match path {
        None => parse_named(super::DEFAULT_CONFIG, EMBEDDED_NAME),
        Some(path) => {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigErrors::single(ConfigError {
                    file: Some(name.clone()),
                    position: None,
                    key: KeyPath::root(),
                    message: format!("cannot read config: {e}"),
                })
            })?;
            parse_named(&text, &name)
        }
    }
}

/// Parses and validates config `text`; errors are reported against file name `name`.
pub fn parse_named(text: &str, name: &str) -> Result<Config, ConfigErrors> {
    let mut raw = Vec::new();
    let (root, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        // A broken document cannot be trusted for structure: report the syntax only.
        for e in syntax {
            raw.push(RawError::from_toml(&e));
        }
        return Err(place(raw, text, name));
    }
    let root = root.into_inner();

    for (key, _) in root.iter() {
        if !SECTIONS.contains(&key.get_ref().as_ref()) {
            raw.push(RawError {
                span: Some(key.span()),
                key: KeyPath::root(),
                message: format!(
                    "unknown section `{}`, expected one of {}",
                    key.get_ref(),
                    SECTIONS.join(", ")
                ),
            });
        }
    }

    let (listen, listen_complete) = section_list::<ListenConfig>(&root, "listen", &mut raw);
    let (output, output_complete) = section_list::<OutputConfig>(&root, "output", &mut raw);
    let detection = section::<DetectionConfig>(&root, "detection", &mut raw);
    let metrics = section::<MetricsConfig>(&root, "metrics", &mut raw);
    let state = section::<StateConfig>(&root, "state", &mut raw);

    // Semantic checks run on whatever deserialised, so all problems show up in one pass.
    let defaults = (DetectionConfig::default(), StateConfig::default());
    let parts = Parts {
        listen: listen.iter().map(|(i, l)| (*i, l)).collect(),
        listen_complete,
        detection: detection
            .as_ref()
            .ok()
            .map(|d| d.as_ref().unwrap_or(&defaults.0)),
        output: output.iter().map(|(i, o)| (*i, o)).collect(),
        output_complete,
        state: state
            .as_ref()
            .ok()
            .map(|s| s.as_ref().unwrap_or(&defaults.1)),
    };
    for e in parts.validate() {
        raw.push(RawError {
            span: span_of(&root, &e.key),
            key: e.key,
            message: e.message,
        });
    }
    if !raw.is_empty() {
        return Err(place(raw, text, name));
    }
    let (Ok(detection), Ok(metrics), Ok(state)) = (detection, metrics, state) else {
        // Not reached: a section that failed recorded an error above.
        return Err(place(raw, text, name));
    };
    let config = Config {
        listen: listen.into_iter().map(|(_, l)| l).collect(),
        detection: detection.unwrap_or_default(),
        output: output.into_iter().map(|(_, o)| o).collect(),
        metrics: metrics.unwrap_or_default(),
        state: state.unwrap_or_default(),
    };
    // The section-wise checks above and `Config::validate` are the same rules.
    debug_assert!(config.validate().is_ok());
    Ok(config)
}

/// An error before it is given a file name and line.
struct RawError {
    span: Option<std::ops::Range<usize>>,
    key: KeyPath,
    message: String,
}

impl RawError {
    fn from_toml(e: &toml::de::Error) -> Self {
        RawError {
            span: e.span(),
            key: KeyPath::root(),
            message: e.message().trim().to_owned(),
        }
    }
}

fn place(raw: Vec<RawError>, text: &str, name: &str) -> ConfigErrors {
    let mut errors = ConfigErrors(
        raw.into_iter()
            .map(|r| ConfigError {
                file: Some(name.to_owned()),
                position: r.span.map(|s| Position::of_offset(text, s.start)),
                key: r.key,
                message: r.message,
            })
            .collect(),
    );
    errors.sort_by_position();
    errors
}

/// A single-table section (`[detection]`): `Ok(None)` when absent (the caller's default),
/// `Err(())` when it failed (errors recorded).
fn section<T: DeserializeOwned>(
    root: &DeTable<'_>,
    name: &str,
    raw: &mut Vec<RawError>,
) -> Result<Option<T>, ()> {
    let Some(value) = root.get(name) else {
        return Ok(None);
    };
    deserialize_collecting(value, &KeyPath::root().key(name), raw)
        .map(Some)
        .ok_or(())
}

/// An array-of-tables section (`[[listen]]`), each item deserialised on its own.
/// Returns the items that deserialised with their index, and whether all did.
fn section_list<T: DeserializeOwned>(
    root: &DeTable<'_>,
    name: &str,
    raw: &mut Vec<RawError>,
) -> (Vec<(usize, T)>, bool) {
    let Some(value) = root.get(name) else {
        return (Vec::new(), true);
    };
    let path = KeyPath::root().key(name);
    match value.get_ref() {
        DeValue::Array(items) => {
            let parsed: Vec<(usize, T)> = items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    deserialize_collecting(item, &path.index(i), raw).map(|v| (i, v))
                })
                .collect();
            let complete = parsed.len() == items.len();
            (parsed, complete)
        }
        // Not an array: let serde say what is wrong with it.
        _ => {
            let _: Option<Vec<T>> = deserialize_collecting(value, &path, raw);
            (Vec::new(), false)
        }
    }
}

/// Deserialises `value`; on an unknown key, records it, drops the key and tries again so that
/// every unknown key of the item is reported. Stops at the first other error.
fn deserialize_collecting<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    path: &KeyPath,
    raw: &mut Vec<RawError>,
) -> Option<T> {
    let mut value = value.clone();
    // Each retry removes one key, so this ends; the bound is a guard against a toml quirk.
    for _ in 0..256 {
        match T::deserialize(value.clone().into_deserializer()) {
            Ok(v) => return Some(v),
            Err(e) => {
                let error = RawError {
                    span: e.span(),
                    key: path.clone(),
                    message: e.message().trim().to_owned(),
                };
                let removed = unknown_field_name(e.message())
                    .zip(e.span())
                    .is_some_and(|(field, span)| remove_key(value.get_mut(), field, &span));
                raw.push(error);
                if !removed {
                    return None;
                }
            }
        }
    }
    None
}

fn unknown_field_name(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

/// Removes the key named `field` whose key span overlaps `span`, anywhere below `value`.
fn remove_key(value: &mut DeValue<'_>, field: &str, span: &std::ops::Range<usize>) -> bool {
    match value {
        DeValue::Table(table) => {
            let hit = table.iter().any(|(k, _)| {
                k.get_ref().as_ref() == field
                    && k.span().start < span.end.max(span.start + 1)
                    && span.start < k.span().end.max(k.span().start + 1)
            });
            if hit {
                table.remove(field);
                return true;
            }
            table
                .iter_mut()
                .any(|(_, v)| remove_key(v.get_mut(), field, span))
        }
        DeValue::Array(items) => items
            .iter_mut()
            .any(|v| remove_key(v.get_mut(), field, span)),
        _ => false,
    }
}

/// Where the key `path` is in the document: the key itself, else its nearest present parent.
fn span_of(root: &DeTable<'_>, path: &KeyPath) -> Option<std::ops::Range<usize>> {
    let mut best: Option<std::ops::Range<usize>> = None;
    let mut current: Option<&DeValue<'_>> = None;
    for segment in &path.0 {
        match segment {
            KeySegment::Key(k) => {
                let table = match current {
                    None => Some(root),
                    Some(DeValue::Table(t)) => Some(t),
                    Some(_) => None,
                };
                let Some((key, value)) = table.and_then(|t| t.get_key_value(k.as_str())) else {
                    break;
                };
                best = Some(key.span());
                current = Some(value.get_ref());
            }
            KeySegment::Index(i) => {
                let Some(item) = (match current {
                    Some(DeValue::Array(items)) => items.get(*i),
                    _ => None,
                }) else {
                    break;
                };
                best = Some(item.span());
                current = Some(item.get_ref());
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(text: &str) -> Vec<String> {
        match parse_named(text, "t.toml") {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(ToString::to_string).collect(),
        }
    }

    const MINIMAL: &str = "[[listen]]\nprotocol = \"udp\"\naddress = \"127.0.0.1:0\"\n\n[[output]]\nprotocol = \"stdout\"\n";

    #[test]
    fn embedded_default_is_valid() {
        let cfg = load(None).expect("embedded default");
        assert_eq!(cfg.listen.len(), 2);
        assert_eq!(cfg.output.len(), 1);
        assert_eq!(cfg.detection.tiers.medium, 15);
    }

    #[test]
    fn minimal_config_fills_defaults() {
        let cfg = parse_named(MINIMAL, "t.toml").expect("valid");
        assert_eq!(cfg.detection.window, "1h");
        assert_eq!(cfg.state.dir, None);
        assert_eq!(cfg.listen[0].max_frame_size, 64 * 1024);
    }

    #[test]
    fn every_unknown_key_is_reported_with_its_line() {
        let text = format!("{MINIMAL}typo_one = 1\ntypo_two = 2\n");
        let errs = errors_of(&text);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs[0].starts_with("t.toml:7:1: output[0]: unknown field `typo_one`"),
            "{errs:?}"
        );
        assert!(
            errs[1].starts_with("t.toml:8:1: output[0]: unknown field `typo_two`"),
            "{errs:?}"
        );
    }

    #[test]
    fn nested_unknown_key_does_not_hide_semantic_errors() {
        let text = format!(
            "{MINIMAL}\n[detection]\nwindow = \"1x\"\ntiers = {{ medium = 5, high = 4, critical = 9, huge = 1 }}\n"
        );
        let errs = errors_of(&text);
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs[0].starts_with("t.toml:9:1: detection.window: invalid duration \"1x\""),
            "{errs:?}"
        );
        assert!(
            errs[1].starts_with("t.toml:10:1: detection.tiers: tiers must increase"),
            "{errs:?}"
        );
        assert!(errs[2].contains("unknown field `huge`"), "{errs:?}");
    }

    #[test]
    fn errors_in_several_sections_are_all_reported() {
        let text = "[[listen]]\nprotocol = \"tls\"\naddress = \"0.0.0.0:6514\"\n\n\
                    [[listen]]\nprotocol = \"carrier-pigeon\"\naddress = \"0.0.0.0:1\"\n\n\
                    [detection]\nexclude_usernames = [\"ok\", \"(\"]\n\n\
                    [[output]]\nprotocol = \"file\"\n\n[[output]]\nprotocol = \"tcp\"\n";
        let errs = errors_of(text);
        let joined = errs.join("\n");
        assert_eq!(errs.len(), 7, "{joined}");
        assert!(joined.contains("t.toml:1:1: listen[0].tls_cert: a tls listener needs tls_cert"));
        assert!(joined.contains("t.toml:1:1: listen[0].tls_key:"));
        assert!(joined.contains("t.toml:6:12: listen[1]: unknown variant `carrier-pigeon`"));
        assert!(joined.contains("t.toml:10:28: detection.exclude_usernames[1]: regex \"(\""));
        assert!(joined.contains("t.toml:12:1: output[0].path: a file output needs path"));
        assert!(joined.contains("t.toml:15:1: output[1].address: a network output needs address"));
        assert!(joined.contains("output[1].spool_dir: a network output needs spool_dir"));
    }

    #[test]
    fn syntax_errors_stop_before_the_schema() {
        let errs = errors_of("[[listen]\nprotocol = \n");
        assert!(!errs.is_empty());
        assert!(
            errs.iter()
                .all(|e| e.starts_with("t.toml:1:") || e.starts_with("t.toml:2:")),
            "{errs:?}"
        );
    }

    #[test]
    fn unknown_section_and_wrong_shape() {
        let errs = errors_of(&format!("{MINIMAL}[listen_extra]\na = 1\n"));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("unknown section `listen_extra`"));
        let errs = errors_of("[listen]\nprotocol = \"udp\"\naddress = \"127.0.0.1:1\"\n[[output]]\nprotocol = \"stdout\"\n");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].starts_with("t.toml:1:"), "{errs:?}");
    }

    #[test]
    fn listeners_and_outputs_are_required() {
        let errs = errors_of("");
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs.iter().any(|e| e.contains("no [[listen]]")));
        assert!(errs.iter().any(|e| e.contains("no [[output]]")));
    }

    #[test]
    fn duplicate_listener_address_is_rejected_but_udp_and_tcp_may_share() {
        let text = "[[listen]]\nprotocol = \"udp\"\naddress = \"127.0.0.1:1514\"\n\
                    [[listen]]\nprotocol = \"tcp\"\naddress = \"127.0.0.1:1514\"\n\
                    [[listen]]\nprotocol = \"tls\"\naddress = \"127.0.0.1:1514\"\ntls_cert = \"c\"\ntls_key = \"k\"\n\
                    [[output]]\nprotocol = \"stdout\"\n";
        let errs = errors_of(text);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].starts_with("t.toml:9:1: listen[2].address: tcp address"),
            "{errs:?}"
        );
    }

    #[test]
    fn collector_also_excluded_is_fine() {
        let text = format!("{MINIMAL}[detection]\ncollectors = [\"10.0.0.0/8\"]\nexclude_sources = [\"10.0.0.0/8\"]\n");
        assert!(errors_of(&text).is_empty());
    }

    #[test]
    fn missing_file_is_an_error_naming_it() {
        let err = load(Some(Path::new("/nonexistent/rollcall.toml"))).expect_err("missing");
        assert!(err
            .to_string()
            .starts_with("/nonexistent/rollcall.toml: cannot read config"));
    }
}
