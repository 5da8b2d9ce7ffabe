//! Semantic checks that the schema cannot express: durations, regexes, tier order, which keys
//! a protocol needs. Pure (no file or network access), so `check-config`, `ExecStartPre`,
//! `ExecReload` and SIGHUP all judge a file the same way.

use std::collections::HashSet;

use super::errors::{ConfigError, ConfigErrors, KeyPath};
use super::{
    parse_duration, CodesConfig, Config, DetectionConfig, ListenConfig, ListenProtocol,
    OutputConfig, OutputFraming, OutputProtocol, StateConfig,
};

/// Frames above this are refused at config time: a frame is buffered whole per connection.
const MAX_FRAME_SIZE_LIMIT: usize = 16 * 1024 * 1024;

impl Config {
    /// Every semantic problem, each naming its key (`listen[0].tls_cert`).
    pub fn validate(&self) -> Result<(), ConfigErrors> {
        let parts = Parts {
            listen: self.listen.iter().enumerate().collect(),
            listen_complete: true,
            detection: Some(&self.detection),
            output: self.output.iter().enumerate().collect(),
            output_complete: true,
            state: Some(&self.state),
        };
        ConfigErrors(parts.validate()).into_result()
    }
}

/// The sections of a config that deserialised; `load` validates these even when another
/// section failed, so a typo in one place does not hide a semantic error in another.
pub(crate) struct Parts<'c> {
    /// (index in the file, item)
    pub listen: Vec<(usize, &'c ListenConfig)>,
    /// false when some `[[listen]]` item failed to deserialise (skip whole-list checks).
    pub listen_complete: bool,
    pub detection: Option<&'c DetectionConfig>,
    pub output: Vec<(usize, &'c OutputConfig)>,
    pub output_complete: bool,
    pub state: Option<&'c StateConfig>,
}

impl Parts<'_> {
    pub(crate) fn validate(&self) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        let root = KeyPath::root();
        if self.listen_complete && self.listen.is_empty() {
            errors.push(ConfigError::at_key(
                root.clone(),
                "no [[listen]] section: nothing would be received",
            ));
        }
        let mut seen = HashSet::new();
        for &(i, listen) in &self.listen {
            let path = root.key("listen").index(i);
            check_listen(listen, &path, &mut errors);
            // Two UDP sockets, or two TCP listeners, on one address cannot both bind.
            let transport = match listen.protocol {
                ListenProtocol::Udp => "udp",
                ListenProtocol::Tcp | ListenProtocol::Tls => "tcp",
            };
            if !seen.insert((transport, listen.address)) {
                errors.push(ConfigError::at_key(
                    path.key("address"),
                    format!(
                        "{transport} address {} is used by an earlier listener",
                        listen.address
                    ),
                ));
            }
        }
        if let Some(detection) = self.detection {
            check_detection(detection, &root.key("detection"), &mut errors);
        }
        if self.output_complete && self.output.is_empty() {
            errors.push(ConfigError::at_key(
                root.clone(),
                "no [[output]] section: offenses would be discarded",
            ));
        }
        for &(i, output) in &self.output {
            check_output(output, &root.key("output").index(i), &mut errors);
        }
        if let Some(state) = self.state {
            check_spools(&self.output, state, &root, &mut errors);
        }
        if let Some(state) = self.state {
            check_state(state, &root.key("state"), &mut errors);
        }
        errors
    }
}

fn check_listen(l: &ListenConfig, path: &KeyPath, errors: &mut Vec<ConfigError>) {
    let tls = l.protocol == ListenProtocol::Tls;
    if tls {
        if l.tls_cert.is_none() {
            errors.push(ConfigError::at_key(
                path.key("tls_cert"),
                "a tls listener needs tls_cert (PEM certificate chain)",
            ));
        }
        if l.tls_key.is_none() {
            errors.push(ConfigError::at_key(
                path.key("tls_key"),
                "a tls listener needs tls_key (PEM private key)",
            ));
        }
    } else {
        for (key, set) in [
            ("tls_cert", l.tls_cert.is_some()),
            ("tls_key", l.tls_key.is_some()),
            ("tls_client_ca", l.tls_client_ca.is_some()),
        ] {
            if set {
                errors.push(ConfigError::at_key(
                    path.key(key),
                    format!("{key} only applies to protocol = \"tls\""),
                ));
            }
        }
    }
    if l.max_frame_size == 0 || l.max_frame_size > MAX_FRAME_SIZE_LIMIT {
        errors.push(ConfigError::at_key(
            path.key("max_frame_size"),
            format!("must be between 1 and {MAX_FRAME_SIZE_LIMIT} bytes"),
        ));
    }
    if l.max_connections == 0 {
        errors.push(ConfigError::at_key(
            path.key("max_connections"),
            "must be at least 1",
        ));
    }
    check_positive_duration(&l.idle_timeout, &path.key("idle_timeout"), errors);
}

fn check_detection(d: &DetectionConfig, path: &KeyPath, errors: &mut Vec<ConfigError>) {
    check_positive_duration(&d.window, &path.key("window"), errors);
    if let Err(e) = parse_duration(&d.max_clock_skew) {
        errors.push(ConfigError::at_key(path.key("max_clock_skew"), e));
    }
    let t = &d.tiers;
    if !(0 < t.medium && t.medium < t.high && t.high < t.critical) {
        errors.push(ConfigError::at_key(
            path.key("tiers"),
            format!(
                "tiers must increase strictly from above 0: 0 < medium ({}) < high ({}) < critical ({})",
                t.medium, t.high, t.critical
            ),
        ));
    }
    for (i, pattern) in d.exclude_usernames.iter().enumerate() {
        if let Err(e) = username_regex(pattern) {
            errors.push(ConfigError::at_key(
                path.key("exclude_usernames").index(i),
                format!(
                    "regex {pattern:?} does not compile: {}",
                    one_line(&e.to_string())
                ),
            ));
        }
    }
    if d.max_sources == 0 {
        errors.push(ConfigError::at_key(
            path.key("max_sources"),
            "must be at least 1",
        ));
    }
    if d.relay_host_threshold < 2 {
        errors.push(ConfigError::at_key(
            path.key("relay_host_threshold"),
            "must be at least 2 (a relay forwards for several hosts)",
        ));
    }
    if d.sample_size == 0 {
        errors.push(ConfigError::at_key(
            path.key("sample_size"),
            "must be at least 1",
        ));
    }
    if let Some(codes) = &d.codes {
        check_codes(codes, &path.key("codes"), errors);
    }
}

fn check_codes(codes: &CodesConfig, path: &KeyPath, errors: &mut Vec<ConfigError>) {
    for (kind, list) in code_lists(codes) {
        for (i, code) in list.iter().enumerate() {
            if rollcall_parse::event::parse_code(code).is_none() {
                errors.push(ConfigError::at_key(
                    path.key(kind).index(i),
                    format!(
                        "{code:?} is not a code (expected hex \"0xC0000064\" or decimal \"50034\")"
                    ),
                ));
            }
        }
    }
}

/// The code lists of `[detection.codes]` by kind name.
pub(crate) fn code_lists(codes: &CodesConfig) -> [(&'static str, &[String]); 5] {
    [
        ("ntlm_4625", &codes.ntlm_4625),
        ("kerberos_4771", &codes.kerberos_4771),
        ("kerberos_4768", &codes.kerberos_4768),
        ("ntlm_4776", &codes.ntlm_4776),
        ("azure_signin", &codes.azure_signin),
    ]
}

fn check_output(o: &OutputConfig, path: &KeyPath, errors: &mut Vec<ConfigError>) {
    let network = matches!(
        o.protocol,
        OutputProtocol::Tcp | OutputProtocol::Tls | OutputProtocol::Udp
    );
    match o.protocol {
        OutputProtocol::File if o.path.is_none() => errors.push(ConfigError::at_key(
            path.key("path"),
            "a file output needs path",
        )),
        _ if network => match &o.address {
            None => errors.push(ConfigError::at_key(
                path.key("address"),
                "a network output needs address (\"host:port\")",
            )),
            Some(address) if !is_host_port(address) => errors.push(ConfigError::at_key(
                path.key("address"),
                format!("{address:?} is not \"host:port\""),
            )),
            Some(_) => {}
        },
        _ => {}
    }
    if o.protocol != OutputProtocol::File && o.path.is_some() {
        errors.push(ConfigError::at_key(
            path.key("path"),
            "path only applies to protocol = \"file\"",
        ));
    }
    if !network {
        for (key, set) in [
            ("address", o.address.is_some()),
            ("spool_dir", o.spool_dir.is_some()),
            ("tls_ca", o.tls_ca.is_some()),
            ("tls_server_name", o.tls_server_name.is_some()),
            ("tls_client_cert", o.tls_client_cert.is_some()),
            ("tls_client_key", o.tls_client_key.is_some()),
        ] {
            if set {
                errors.push(ConfigError::at_key(
                    path.key(key),
                    format!("{key} only applies to network outputs (tcp, tls, udp)"),
                ));
            }
        }
    }
    if o.protocol == OutputProtocol::Tls && o.tls_ca.is_none() {
        errors.push(ConfigError::at_key(
            path.key("tls_ca"),
            "a tls output needs tls_ca (CA bundle that signed the receiver's certificate)",
        ));
    }
    if o.tls_client_cert.is_some() != o.tls_client_key.is_some() {
        errors.push(ConfigError::at_key(
            path.key("tls_client_cert"),
            "tls_client_cert and tls_client_key go together",
        ));
    }
    if let Some(host) = &o.hostname {
        // The syslog HOSTNAME field is one token of printable ASCII (RFC 5424 §6.2.4).
        if host.is_empty() || host.len() > 255 || !host.bytes().all(|b| b.is_ascii_graphic()) {
            errors.push(ConfigError::at_key(
                path.key("hostname"),
                format!("{host:?} is not a syslog hostname (1-255 printable ASCII, no spaces)"),
            ));
        }
    }
    if network && o.spool_max_bytes < MIN_SPOOL_BYTES {
        errors.push(ConfigError::at_key(
            path.key("spool_max_bytes"),
            format!("must be at least {MIN_SPOOL_BYTES} bytes"),
        ));
    }
    if o.framing == OutputFraming::Octet
        && !matches!(o.protocol, OutputProtocol::Tcp | OutputProtocol::Tls)
    {
        errors.push(ConfigError::at_key(
            path.key("framing"),
            "framing = \"octet\" only applies to tcp and tls outputs",
        ));
    }
    if o.facility > 23 {
        errors.push(ConfigError::at_key(
            path.key("facility"),
            format!("syslog facility {} is out of range 0-23", o.facility),
        ));
    }
}

/// Smallest spool accepted: room for many offenses of the largest (4000-byte) kind.
const MIN_SPOOL_BYTES: u64 = 64 * 1024;

/// Every network output needs a spool directory of its own.
fn check_spools(
    outputs: &[(usize, &OutputConfig)],
    state: &StateConfig,
    root: &KeyPath,
    errors: &mut Vec<ConfigError>,
) {
    let mut seen: Vec<std::path::PathBuf> = Vec::new();
    for &(i, o) in outputs {
        if !is_network(o.protocol) {
            continue;
        }
        let path = root.key("output").index(i).key("spool_dir");
        let dir = match (&o.spool_dir, &state.dir) {
            (Some(dir), _) => dir.clone(),
            (None, Some(state_dir)) => state_dir.join("spool").join(i.to_string()),
            (None, None) => {
                errors.push(ConfigError::at_key(
                    path,
                    "a network output needs spool_dir (offenses are spooled to disk until \
                     delivered), or [state] dir for the default <dir>/spool/<index>",
                ));
                continue;
            }
        };
        if seen.contains(&dir) {
            errors.push(ConfigError::at_key(
                path,
                format!(
                    "spool directory {} is used by an earlier output",
                    dir.display()
                ),
            ));
        } else {
            seen.push(dir);
        }
    }
}

fn is_network(protocol: OutputProtocol) -> bool {
    matches!(
        protocol,
        OutputProtocol::Tcp | OutputProtocol::Tls | OutputProtocol::Udp
    )
}

fn check_state(s: &StateConfig, path: &KeyPath, errors: &mut Vec<ConfigError>) {
    check_positive_duration(&s.snapshot_interval, &path.key("snapshot_interval"), errors);
}

fn check_positive_duration(text: &str, path: &KeyPath, errors: &mut Vec<ConfigError>) {
    match parse_duration(text) {
        Ok(d) if d.is_zero() => {
            errors.push(ConfigError::at_key(path.clone(), "must be longer than 0"))
        }
        Ok(_) => {}
        Err(e) => errors.push(ConfigError::at_key(path.clone(), e)),
    }
}

/// `host:port` with a numeric port; `[v6]:port` for IPv6 literals.
fn is_host_port(address: &str) -> bool {
    let Some((host, port)) = address.rsplit_once(':') else {
        return false;
    };
    let host_ok = if let Some(inner) = host.strip_prefix('[') {
        inner
            .strip_suffix(']')
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok())
    } else {
        !host.is_empty() && !host.contains(':')
    };
    host_ok && port.parse::<u16>().is_ok_and(|p| p != 0)
}

/// The username-exclusion regex as the detector uses it: case-insensitive.
pub(crate) fn username_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        assert!(is_host_port("qradar.example:514"));
        assert!(is_host_port("10.0.0.1:6514"));
        assert!(is_host_port("[2001:db8::1]:514"));
        assert!(!is_host_port("qradar.example"));
        assert!(!is_host_port("2001:db8::1:514"));
        assert!(!is_host_port(":514"));
        assert!(!is_host_port("host:0"));
        assert!(!is_host_port("host:99999"));
    }

    fn output_errors(outputs: &str, state: &str) -> Vec<String> {
        let text = format!(
            "[[listen]]\nprotocol = \"udp\"\naddress = \"127.0.0.1:1514\"\n{outputs}\n{state}"
        );
        let config: Config = toml::from_str(&text).expect("schema");
        match config.validate() {
            Ok(()) => Vec::new(),
            Err(errors) => errors.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn network_outputs_need_a_spool_of_their_own() {
        let tcp = |extra: &str| {
            format!("[[output]]\nprotocol = \"tcp\"\naddress = \"q.example:514\"\n{extra}\n")
        };
        let errs = output_errors(&tcp(""), "");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("output[0].spool_dir: a network output needs spool_dir"));
        assert!(output_errors(&tcp(""), "[state]\ndir = \"/var/lib/rollcall\"").is_empty());
        assert!(output_errors(&tcp("spool_dir = \"/s\""), "").is_empty());

        let two = format!("{}{}", tcp("spool_dir = \"/s\""), tcp("spool_dir = \"/s\""));
        let errs = output_errors(&two, "");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0]
            .contains("output[1].spool_dir: spool directory /s is used by an earlier output"));
        // The default of output 1 is <state>/spool/1: taken explicitly by output 0 here.
        let clash = format!("{}{}", tcp("spool_dir = \"/st/spool/1\""), tcp(""));
        let errs = output_errors(&clash, "[state]\ndir = \"/st\"");
        assert_eq!(errs.len(), 1, "{errs:?}");
    }

    #[test]
    fn spool_size_and_framing_checks() {
        let errs = output_errors(
            "[[output]]\nprotocol = \"udp\"\naddress = \"q:514\"\nspool_dir = \"/s\"\nspool_max_bytes = 1000\nframing = \"octet\"\n",
            "",
        );
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs
            .iter()
            .any(|e| e.contains("output[0].spool_max_bytes: must be at least 65536")));
        assert!(errs
            .iter()
            .any(|e| e
                .contains("output[0].framing: framing = \"octet\" only applies to tcp and tls")));
        let ok = output_errors(
            "[[output]]\nprotocol = \"tls\"\naddress = \"q:6514\"\nspool_dir = \"/s\"\ntls_ca = \"/ca.pem\"\nframing = \"octet\"\n",
            "",
        );
        assert!(ok.is_empty(), "{ok:?}");
    }
}
