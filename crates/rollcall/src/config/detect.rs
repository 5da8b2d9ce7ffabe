//! `[detection]` → the engine's runtime parameters.

use rollcall_detect::config::{
    DEFAULT_AZURE_SIGNIN, DEFAULT_KERBEROS_4768, DEFAULT_KERBEROS_4771, DEFAULT_NTLM_4625,
    DEFAULT_NTLM_4776,
};
use rollcall_detect::{CodeFilter, DetectConfig, Tiers};

use super::errors::{ConfigError, ConfigErrors, KeyPath};
use super::validate::{code_lists, username_regex};
use super::{parse_duration, CodesConfig, Config};

impl Config {
    /// The detector parameters. Errors only for a config that did not pass [`Config::validate`].
    pub fn detect_config(&self) -> Result<DetectConfig, ConfigErrors> {
        let d = &self.detection;
        let path = KeyPath::root().key("detection");
        let mut errors = Vec::new();
        let mut millis = |key: &str, text: &str| match parse_duration(text) {
            Ok(duration) => i64::try_from(duration.as_millis()).unwrap_or(i64::MAX),
            Err(e) => {
                errors.push(ConfigError::at_key(path.key(key), e));
                0
            }
        };
        let window_ms = millis("window", &d.window);
        let max_clock_skew_ms = millis("max_clock_skew", &d.max_clock_skew);
        let mut exclude_usernames = Vec::with_capacity(d.exclude_usernames.len());
        for (i, pattern) in d.exclude_usernames.iter().enumerate() {
            match username_regex(pattern) {
                Ok(re) => exclude_usernames.push(re),
                Err(e) => errors.push(ConfigError::at_key(
                    path.key("exclude_usernames").index(i),
                    e.to_string(),
                )),
            }
        }
        let codes = match &d.codes {
            None => CodeFilter::default(),
            Some(codes) => code_filter(codes, &path.key("codes"), &mut errors),
        };
        ConfigErrors(errors).into_result()?;
        Ok(DetectConfig {
            window_ms,
            tiers: Tiers {
                medium: d.tiers.medium,
                high: d.tiers.high,
                critical: d.tiers.critical,
            },
            codes,
            collectors: d.collectors.clone(),
            exclude_sources: d.exclude_sources.clone(),
            exclude_usernames,
            max_clock_skew_ms,
            max_sources: d.max_sources,
            relay_host_threshold: d.relay_host_threshold,
            sample_size: d.sample_size,
        })
    }
}

/// Each list of `[detection.codes]` replaces the default list of its kind; a list left out
/// (or empty) keeps the default, so setting one kind does not silently switch off the others.
fn code_filter(codes: &CodesConfig, path: &KeyPath, errors: &mut Vec<ConfigError>) -> CodeFilter {
    let lists = code_lists(codes).map(|(kind, texts)| {
        texts
            .iter()
            .enumerate()
            .filter_map(|(i, text)| {
                let code = rollcall_parse::event::parse_code(text);
                if code.is_none() {
                    errors.push(ConfigError::at_key(
                        path.key(kind).index(i),
                        format!("{text:?} is not a code"),
                    ));
                }
                code
            })
            .collect::<Vec<u32>>()
    });
    let [ntlm_4625, kerberos_4771, kerberos_4768, ntlm_4776, azure_signin] = &lists;
    let or_default = |list: &'_ [u32], default: &'static [u32]| -> Vec<u32> {
        if list.is_empty() {
            default.to_vec()
        } else {
            list.to_vec()
        }
    };
    CodeFilter::from_lists(
        &or_default(ntlm_4625, &DEFAULT_NTLM_4625),
        &or_default(kerberos_4771, &DEFAULT_KERBEROS_4771),
        &or_default(kerberos_4768, &DEFAULT_KERBEROS_4768),
        &or_default(ntlm_4776, &DEFAULT_NTLM_4776),
        &or_default(azure_signin, &DEFAULT_AZURE_SIGNIN),
        codes.azure_sspr,
    )
}

#[cfg(test)]
mod tests {
    use rollcall_parse::AuthKind;

    use crate::config::parse_named;

    const BASE: &str = "[[listen]]\nprotocol = \"udp\"\naddress = \"127.0.0.1:0\"\n[[output]]\nprotocol = \"stdout\"\n";

    #[test]
    fn detection_table_becomes_engine_parameters() {
        let text = format!(
            "{BASE}[detection]\nwindow = \"30m\"\nmax_clock_skew = \"2m\"\ntiers = {{ medium = 2, high = 4, critical = 6 }}\n\
             exclude_usernames = [\"^svc_scan\"]\ncollectors = [\"10.0.0.250/32\"]\n\
             [detection.codes]\nkerberos_4771 = [\"0x18\"]\nazure_sspr = false\n"
        );
        let cfg = parse_named(&text, "t.toml").expect("valid");
        let d = cfg.detect_config().expect("detect config");
        assert_eq!(d.window_ms, 30 * 60_000);
        assert_eq!(d.max_clock_skew_ms, 2 * 60_000);
        assert_eq!((d.tiers.medium, d.tiers.high, d.tiers.critical), (2, 4, 6));
        assert_eq!(d.collectors.len(), 1);
        assert!(
            d.exclude_usernames[0].is_match("SVC_SCAN01"),
            "case-insensitive"
        );
        // The listed kind is replaced, the others keep their defaults.
        assert!(d.codes.counts(AuthKind::Kerberos4771, 0x18));
        assert!(!d.codes.counts(AuthKind::Kerberos4771, 0x6));
        assert!(d.codes.counts(AuthKind::Ntlm4625, 0xC000_0064));
        assert!(!d.codes.counts(AuthKind::AzureSspr, 0));
    }

    #[test]
    fn embedded_default_matches_the_engine_default() {
        let d = crate::config::load(None)
            .expect("default")
            .detect_config()
            .expect("detect");
        let engine_default = rollcall_detect::DetectConfig::default();
        assert_eq!(d.window_ms, engine_default.window_ms);
        assert_eq!(d.tiers, engine_default.tiers);
        assert_eq!(d.codes, engine_default.codes);
        assert_eq!(d.max_clock_skew_ms, engine_default.max_clock_skew_ms);
        assert_eq!(d.max_sources, engine_default.max_sources);
    }
}
