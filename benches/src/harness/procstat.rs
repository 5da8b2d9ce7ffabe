//! CPU time and memory of a process, from `/proc` (Linux).

use std::fs;
use std::io;

/// Clock ticks per second for `/proc/PID/stat` times (`getconf CLK_TCK`; 100 on Linux).
pub const DEFAULT_CLK_TCK: u64 = 100;

/// utime + stime of every thread of `pid`, in clock ticks.
pub fn cpu_ticks(pid: u32) -> io::Result<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat"))?;
    parse_cpu_ticks(&stat)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unexpected /proc/PID/stat"))
}

/// Fields 14 and 15 of `stat`; the command name (field 2) may contain spaces and
/// parentheses, so counting starts after its last `)`.
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    // rest starts at field 3 (state): utime is field 14, the 12th here.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// A `kB` line of `/proc/PID/status` (`VmRSS`, `VmHWM`), in bytes.
pub fn status_bytes(pid: u32, key: &str) -> io::Result<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status"))?;
    parse_status_bytes(&status, key).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("no {key} in /proc/{pid}/status"),
        )
    })
}

pub fn parse_status_bytes(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        let kb: u64 = value.trim().strip_suffix("kB")?.trim().parse().ok()?;
        Some(kb * 1024)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_awkward_command_names() {
        let stat =
            "1234 (rs:main Q:Reg) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 5 0 1 2 3";
        assert_eq!(parse_cpu_ticks(stat), Some(287));
        assert_eq!(parse_cpu_ticks("garbage"), None);
    }

    #[test]
    fn parses_status_lines() {
        let status = "Name:\trollcall\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(parse_status_bytes(status, "VmHWM"), Some(20480 * 1024));
        assert_eq!(parse_status_bytes(status, "VmRSS"), Some(10240 * 1024));
        assert_eq!(parse_status_bytes(status, "VmSwap"), None);
    }

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(status_bytes(pid, "VmHWM").unwrap() > 0);
        cpu_ticks(pid).unwrap();
    }
}
