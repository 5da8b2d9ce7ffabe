//! Runtime parameters of the detector (`[detection]` in the TOML, already validated).

use ipnet::IpNet;
use regex::Regex;
use rollcall_parse::AuthKind;

/// Distinct-username thresholds of the three suspicion tiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tiers {
    pub medium: u64,
    pub high: u64,
    pub critical: u64,
}

impl Default for Tiers {
    fn default() -> Self {
        Tiers {
            medium: 15,
            high: 50,
            critical: 100,
        }
    }
}

impl Tiers {
    /// The highest tier `unique` distinct usernames reach, if any.
    pub fn tier_for(&self, unique: u64) -> Option<crate::Tier> {
        use crate::Tier;
        if unique >= self.critical {
            Some(Tier::Critical)
        } else if unique >= self.high {
            Some(Tier::High)
        } else if unique >= self.medium {
            Some(Tier::Medium)
        } else {
            None
        }
    }
}

/// NTSTATUS codes of a 4625 that mean "someone is guessing accounts": no such user
/// (0xC0000064), account disabled (0xC0000072), bad user name or password (0xC000006D) and
/// wrong password (0xC000006A).
pub const DEFAULT_NTLM_4625: [u32; 4] = [0xC000_0064, 0xC000_0072, 0xC000_006D, 0xC000_006A];
/// Kerberos pre-authentication failures: principal unknown (0x6), bad password (0x18).
pub const DEFAULT_KERBEROS_4771: [u32; 2] = [0x6, 0x18];
/// A TGT request for a principal that does not exist (0x6): what kerbrute-style
/// enumeration leaves on the DC.
pub const DEFAULT_KERBEROS_4768: [u32; 1] = [0x6];
/// 4776 (NTLM credential validation on the DC) carries the same NTSTATUS values as the
/// 4625 SubStatus, so the same four codes are counted. DESIGN.md does not list 4776
/// codes; this is our choice, documented here and in README.
pub const DEFAULT_NTLM_4776: [u32; 4] = [0xC000_0064, 0xC000_006A, 0xC000_0072, 0xC000_006D];
/// Azure AD sign-in errors of the reference rule (50034 user not found, 50053 locked,
/// 50055 password expired, 50057 disabled, 50072/50076 MFA interrupts) plus 50126
/// ("invalid username or password"): the code password sprays against Entra ID produce
/// most, which the reference list lacks. Added deliberately; configurable.
pub const DEFAULT_AZURE_SIGNIN: [u32; 7] = [50034, 50053, 50055, 50057, 50072, 50076, 50126];

/// Which `(kind, code)` pairs are counted as enumeration failures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeFilter {
    /// Sorted, deduplicated code lists indexed like [`AuthKind::ALL`] (SSPR unused).
    lists: [Vec<u32>; 6],
    /// SSPR probing has no code list: every SSPR event counts when this is on.
    azure_sspr: bool,
}

impl Default for CodeFilter {
    fn default() -> Self {
        CodeFilter::from_lists(
            &DEFAULT_NTLM_4625,
            &DEFAULT_KERBEROS_4771,
            &DEFAULT_KERBEROS_4768,
            &DEFAULT_NTLM_4776,
            &DEFAULT_AZURE_SIGNIN,
            true,
        )
    }
}

impl CodeFilter {
    pub fn from_lists(
        ntlm_4625: &[u32],
        kerberos_4771: &[u32],
        kerberos_4768: &[u32],
        ntlm_4776: &[u32],
        azure_signin: &[u32],
        azure_sspr: bool,
    ) -> CodeFilter {
        let list = |codes: &[u32]| {
            let mut v = codes.to_vec();
            v.sort_unstable();
            v.dedup();
            v
        };
        CodeFilter {
            lists: [
                list(ntlm_4625),
                list(kerberos_4771),
                list(kerberos_4768),
                list(ntlm_4776),
                list(azure_signin),
                Vec::new(),
            ],
            azure_sspr,
        }
    }

    /// Whether a failure of this kind and code is counted.
    pub fn counts(&self, kind: AuthKind, code: u32) -> bool {
        match kind {
            AuthKind::AzureSspr => self.azure_sspr,
            // The lists hold a handful of codes: a linear scan beats a binary search here.
            _ => self
                .lists
                .get(kind_index(kind))
                .is_some_and(|l| l.contains(&code)),
        }
    }

    /// The codes counted for `kind` (empty for SSPR, see [`CodeFilter::azure_sspr`]).
    pub fn codes(&self, kind: AuthKind) -> &[u32] {
        self.lists
            .get(kind_index(kind))
            .map_or(&[], |l| l.as_slice())
    }

    pub fn azure_sspr(&self) -> bool {
        self.azure_sspr
    }
}

fn kind_index(kind: AuthKind) -> usize {
    match kind {
        AuthKind::Ntlm4625 => 0,
        AuthKind::Kerberos4771 => 1,
        AuthKind::Kerberos4768 => 2,
        AuthKind::Ntlm4776 => 3,
        AuthKind::AzureSignin => 4,
        AuthKind::AzureSspr => 5,
    }
}

/// Everything the engine needs to decide; `Default` is the DESIGN.md default rule.
#[derive(Clone, Debug)]
pub struct DetectConfig {
    /// Sliding window length on event time.
    pub window_ms: i64,
    pub tiers: Tiers,
    pub codes: CodeFilter,
    /// Relays (WEC, WinCollect, NXLog, rsyslog): never the source.
    pub collectors: Vec<IpNet>,
    /// Sources never reported (scanners, pentest boxes).
    pub exclude_sources: Vec<IpNet>,
    /// Usernames never counted. The caller builds them case-insensitive.
    pub exclude_usernames: Vec<Regex>,
    /// Events further than this in the future, or older than window + this, are dropped.
    pub max_clock_skew_ms: i64,
    /// Most sources tracked at once; past it the stalest are evicted.
    pub max_sources: usize,
    /// A peer that delivered failures for at least this many distinct client hosts is a relay.
    pub relay_host_threshold: usize,
    /// Usernames listed in an offense.
    pub sample_size: usize,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            window_ms: 3_600_000,
            tiers: Tiers::default(),
            codes: CodeFilter::default(),
            collectors: Vec::new(),
            exclude_sources: Vec::new(),
            exclude_usernames: Vec::new(),
            max_clock_skew_ms: 300_000,
            max_sources: 1_000_000,
            relay_host_threshold: 20,
            sample_size: 10,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_filter_counts_the_reference_codes() {
        let f = CodeFilter::default();
        assert!(f.counts(AuthKind::Ntlm4625, 0xC000_0064));
        assert!(f.counts(AuthKind::Ntlm4625, 0xC000_006A));
        assert!(!f.counts(AuthKind::Ntlm4625, 0xC000_0234));
        assert!(f.counts(AuthKind::Kerberos4771, 0x18));
        assert!(!f.counts(AuthKind::Kerberos4771, 0x25));
        assert!(f.counts(AuthKind::Kerberos4768, 0x6));
        assert!(!f.counts(AuthKind::Kerberos4768, 0x18));
        assert!(f.counts(AuthKind::Ntlm4776, 0xC000_006A));
        assert!(f.counts(AuthKind::AzureSignin, 50126));
        assert!(!f.counts(AuthKind::AzureSignin, 0));
        assert!(f.counts(AuthKind::AzureSspr, 0));
    }

    #[test]
    fn custom_lists_replace_the_defaults() {
        let f = CodeFilter::from_lists(&[1, 1, 2], &[], &[], &[], &[], false);
        assert!(f.counts(AuthKind::Ntlm4625, 1));
        assert_eq!(f.codes(AuthKind::Ntlm4625), &[1, 2]);
        assert!(!f.counts(AuthKind::Kerberos4771, 0x6));
        assert!(!f.counts(AuthKind::AzureSspr, 0));
    }

    #[test]
    fn tiers_pick_the_highest_reached() {
        let t = Tiers::default();
        assert_eq!(t.tier_for(14), None);
        assert_eq!(t.tier_for(15), Some(crate::Tier::Medium));
        assert_eq!(t.tier_for(50), Some(crate::Tier::High));
        assert_eq!(t.tier_for(1000), Some(crate::Tier::Critical));
    }
}
