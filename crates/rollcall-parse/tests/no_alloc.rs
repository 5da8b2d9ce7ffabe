//! The hot path allocates nothing: `parse_auth` on the common authentication-failure lines
//! (LEEF, CEF, RFC 5424 with structured data, WinCollect key=value, Snare) must not touch the
//! heap. A counting global allocator proves it; counts are per thread so that tests running
//! in parallel do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use rollcall_parse::{parse_auth, AuthKind, Format, ParseContext};

struct CountingAllocator;

thread_local! {
    // `const` initialisation: no lazy registration, so touching it never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: the slot may already be gone while a thread is being torn down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is the system allocator's; counting touches only a thread-local Cell.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded contract (see the impl).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded contract (see the impl).
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: forwarded contract (see the impl).
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract (see the impl).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const CTX: ParseContext = ParseContext {
    now_ms: 1_795_400_000_000,
};

/// ~700 bytes: NXLog `to_leef()` of a 4625 behind an RFC 3164 header.
const LEEF_4625: &str = "<14>Nov 23 03:15:02 DC01 LEEF:1.0|NXLog|Microsoft-Windows-Security-Auditing|5.8|4625|EventTime=2026-11-23 03:15:02\tHostname=DC01.corp.example\tEventType=AUDIT_FAILURE\tSeverityValue=4\tEventID=4625\tSourceName=Microsoft-Windows-Security-Auditing\tProviderGuid={54849625-5478-4994-A5BA-3E3B0328C30D}\tTask=12544\tRecordNumber=884213\tProcessID=684\tChannel=Security\tCategory=Logon\tSubjectUserSid=S-1-0-0\tSubjectUserName=-\tSubjectDomainName=-\tSubjectLogonId=0x0\tTargetUserSid=S-1-0-0\tTargetUserName=jdoe\tTargetDomainName=CORP\tStatus=0xc000006d\tFailureReason=%%2313\tSubStatus=0xc0000064\tLogonType=3\tLogonProcessName=NtLmSsp\tAuthenticationPackageName=NTLM\tWorkstationName=KALI\tKeyLength=0\tIpAddress=203.0.113.7\tIpPort=51515";

const CEF_4625: &str = "<134>Nov 23 03:15:02 arcsight01 CEF:0|Microsoft|Microsoft Windows||Microsoft-Windows-Security-Auditing:4625|An account failed to log on|Low|eventId=98231 externalId=4625 rt=Nov 23 2026 03:15:02 GMT categoryOutcome=/Failure outcome=Failure dhost=DC01.corp.example dntdom=CORP duser=jdoe src=203.0.113.7 shost=KALI cs4=0xC0000064 cs4Label=Sub Status cs5=0xC000006D cs5Label=Status ad.LogonType=3";

const RFC5424_SD_4625: &str = "<14>1 2026-11-23T03:15:02.120Z DC01.corp.example Microsoft-Windows-Security-Auditing 684 - [NXLOG@14506 EventID=\"4625\" TargetUserName=\"jdoe\" TargetDomainName=\"CORP\" Status=\"0xc000006d\" SubStatus=\"0xc0000064\" WorkstationName=\"KALI\" IpAddress=\"203.0.113.7\"] An account failed to log on.";

const WINCOLLECT_4625: &str = "<13>Nov 23 03:15:02 dc01 AgentDevice=WindowsLog\tAgentLogFile=Security\tSource=Microsoft-Windows-Security-Auditing\tComputer=DC01.corp.example\tUser=\tDomain=\tEventID=4625\tEventIDCode=4625\tTimeGenerated=1795403702\tLevel=Log Always\tKeywords=Audit Failure\tMessage=An account failed to log on. Subject: Security ID: NULL SID Account Name: - Account Domain: - Logon ID: 0x0 Logon Type: 3 Account For Which Logon Failed: Security ID: NULL SID Account Name: jdoe Account Domain: CORP Failure Information: Failure Reason: Unknown user name or bad password. Status: 0xC000006D Sub Status: 0xC0000064 Network Information: Workstation Name: KALI Source Network Address: 203.0.113.7 Source Port: 51515";

const SNARE_4625: &str = "<14>Nov 23 03:15:02 DC01 MSWinEventLog\t1\tSecurity\t88123\tMon Nov 23 03:15:02 2026\t4625\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tFailure Audit\tDC01.corp.example\tLogon\t\tAn account failed to log on.    Subject:   Security ID:  S-1-0-0   Account Name:  -    Account For Which Logon Failed:   Security ID:  S-1-0-0   Account Name:  jdoe   Account Domain:  CORP    Failure Information:   Failure Reason:  Unknown user name or bad password.   Status:  0xC000006D   Sub Status:  0xC0000064    Network Information:   Workstation Name:  KALI   Source Network Address:  203.0.113.7   Source Port:  51515\t88123";

/// Parses `line` once to warm lazily built matchers, then counts the allocations of a
/// second parse, checking that it found the 4625 (so zero is not the count of a rejection).
fn allocations_of(line: &str, expected_format: Format) -> usize {
    let _ = parse_auth(line.as_bytes(), &CTX);
    let before = ALLOCATIONS.with(Cell::get);
    let (format, result) = parse_auth(line.as_bytes(), &CTX);
    let after = ALLOCATIONS.with(Cell::get);
    assert_eq!(format, expected_format, "{line}");
    let ev = result.expect("parses").expect("is an auth failure");
    assert_eq!(ev.kind, AuthKind::Ntlm4625);
    assert_eq!(ev.code, 0xC000_0064);
    assert_eq!(ev.username, "jdoe");
    assert_eq!(ev.source_ip, "203.0.113.7".parse().ok());
    after - before
}

#[test]
fn counting_allocator_counts() {
    let before = ALLOCATIONS.with(Cell::get);
    let v = std::hint::black_box(vec![1u8; 16]);
    drop(v);
    assert_eq!(ALLOCATIONS.with(Cell::get) - before, 1);
}

#[test]
fn leef_4625_parses_without_allocating() {
    assert!(
        (650..=800).contains(&LEEF_4625.len()),
        "{}",
        LEEF_4625.len()
    );
    assert_eq!(allocations_of(LEEF_4625, Format::Leef), 0);
}

#[test]
fn cef_4625_parses_without_allocating() {
    assert_eq!(allocations_of(CEF_4625, Format::Cef), 0);
}

#[test]
fn rfc5424_structured_data_4625_parses_without_allocating() {
    assert_eq!(allocations_of(RFC5424_SD_4625, Format::Text), 0);
}

#[test]
fn wincollect_4625_parses_without_allocating() {
    assert_eq!(allocations_of(WINCOLLECT_4625, Format::Kv), 0);
}

#[test]
fn snare_4625_parses_without_allocating() {
    assert_eq!(allocations_of(SNARE_4625, Format::Snare), 0);
}
