//! Deterministic names and addresses for the actors of a workload. Address ranges are
//! disjoint by role, so an offense's source tells which role it came from:
//! attackers 198.18.0.0/15 (RFC 2544 benchmarking), latency probes 198.19.128.0/17,
//! hostile flood 100.64.0.0/10 and up, benign clients 10.0.0.0/8.

use std::net::{IpAddr, Ipv4Addr};

const FIRST: [&str; 32] = [
    "james",
    "mary",
    "robert",
    "patricia",
    "john",
    "jennifer",
    "michael",
    "linda",
    "david",
    "elizabeth",
    "william",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
    "chris",
    "lisa",
    "daniel",
    "nancy",
    "matthew",
    "betty",
    "anthony",
    "sandra",
    "mark",
    "ashley",
    "paul",
    "emily",
];
const LAST: [&str; 32] = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
];

/// The `n`-th employee-style account name (`mary.jones`, then `mary.jones2`, …); distinct
/// for every `n`.
pub fn account(n: u64) -> String {
    let f = FIRST[(n % 32) as usize];
    let l = LAST[((n / 32) % 32) as usize];
    match n / 1024 {
        0 => format!("{f}.{l}"),
        k => format!("{f}.{l}{}", k + 1),
    }
}

/// Client address of benign user / workstation `n` (10.0.0.0/8, never .0 or .255).
pub fn benign_ip(n: u64) -> IpAddr {
    let host = n % 254 + 1;
    let net = (n / 254) % 65_536;
    IpAddr::V4(Ipv4Addr::from(
        0x0A00_0000 | ((net as u32) << 8) | host as u32,
    ))
}

pub fn workstation(n: u64) -> String {
    format!("WS{n:05}")
}

/// Source address of hidden attacker `a` (198.18.0.0/17, up to 32 767 attackers).
pub fn attacker_ip(a: u64) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0xC612_0000 + (a % 32_767) as u32 + 1))
}

/// Source address of latency probe campaign `k` (198.19.128.0/17).
pub fn probe_ip(k: u64) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0xC613_8000 + (k % 32_767) as u32 + 1))
}

/// Source address number `n` of a hostile flood: 100.64.0.0 upwards, 2^28 distinct.
pub fn flood_ip(n: u64) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0x6440_0000 + (n % (1 << 28)) as u32))
}

/// Reporting host `n`: a handful of DCs, then member servers.
pub fn sender_host(n: u64) -> String {
    if n < 8 {
        format!("dc{:02}", n + 1)
    } else {
        format!("srv{n:04}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn accounts_are_distinct() {
        let names: HashSet<String> = (0..5000).map(account).collect();
        assert_eq!(names.len(), 5000);
    }

    #[test]
    fn role_ranges_do_not_overlap() {
        let benign: HashSet<IpAddr> = (0..100_000).map(benign_ip).collect();
        for a in 0..1000 {
            assert!(!benign.contains(&attacker_ip(a)));
            assert!(!benign.contains(&probe_ip(a)));
            assert!(!benign.contains(&flood_ip(a)));
            assert_ne!(attacker_ip(a), probe_ip(a));
        }
        assert_eq!(benign.len(), 100_000);
    }
}
