//! Synthetic but realistic syslog lines for the parse benchmarks, written for this bench (no
//! corpus files). Every generator varies the values that change between real events (user
//! names, addresses, ports, record numbers, times) so that a benchmark does not replay one
//! line the branch predictor has memorised.

/// Deterministic pseudo-random numbers (SplitMix64): the same fixtures on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.range(0, items.len() as u64) as usize]
    }

    pub fn ipv4(&mut self) -> String {
        let v = self.next_u64();
        format!(
            "{}.{}.{}.{}",
            [203, 198, 192, 185, 45][(v % 5) as usize],
            (v >> 8) % 256,
            (v >> 16) % 256,
            1 + (v >> 24) % 253
        )
    }

    pub fn internal_ip(&mut self) -> String {
        let v = self.next_u64();
        format!(
            "10.{}.{}.{}",
            (v >> 8) % 256,
            (v >> 16) % 256,
            1 + (v >> 24) % 253
        )
    }
}

const USERS: &[&str] = &[
    "jdoe",
    "administrator",
    "admin",
    "alice",
    "bob.smith",
    "svc_backup",
    "test",
    "guest",
    "m.mueller",
    "scanner",
    "root",
    "user1",
    "oracle",
    "sqlsvc",
    "helpdesk",
    "j.garcia",
];
const HOSTS: &[&str] = &[
    "KALI",
    "WIN-8H2KD0Q1",
    "DESKTOP-7Q3LMN",
    "-",
    "WS0142",
    "LAPTOP-X1",
];
const DCS: &[&str] = &[
    "DC01.corp.example",
    "DC02.corp.example",
    "dc03.eu.corp.example",
];
const SUBSTATUS: &[&str] = &["0xc0000064", "0xc000006a", "0xc0000072", "0xc0000234"];

fn time_of_day(r: &mut Rng) -> (u64, u64, u64) {
    (r.range(0, 24), r.range(0, 60), r.range(0, 60))
}

// ---------------------------------------------------------------- authentication failures

/// NXLog `im_msvistalog` + `to_leef()` of a 4625 behind an RFC 3164 header (~700 bytes: the
/// EventData plus the NXLog fields a typical `to_leef()` configuration keeps).
pub fn leef_4625(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    let dc = r.pick(DCS);
    format!(
        "<14>Nov 23 {h:02}:{m:02}:{s:02} {short} LEEF:1.0|NXLog|Microsoft-Windows-Security-Auditing|5.8|4625|\
EventTime=2026-11-23 {h:02}:{m:02}:{s:02}\tHostname={dc}\tEventType=AUDIT_FAILURE\t\
SeverityValue=4\tEventID=4625\tSourceName=Microsoft-Windows-Security-Auditing\t\
ProviderGuid={{54849625-5478-4994-A5BA-3E3B0328C30D}}\tTask=12544\t\
RecordNumber={rec}\tProcessID=684\tChannel=Security\tCategory=Logon\t\
SubjectUserSid=S-1-0-0\tSubjectUserName=-\tSubjectDomainName=-\tSubjectLogonId=0x0\tTargetUserSid=S-1-0-0\t\
TargetUserName={user}\tTargetDomainName=CORP\tStatus=0xc000006d\tFailureReason=%%2313\tSubStatus={sub}\t\
LogonType=3\tLogonProcessName=NtLmSsp \tAuthenticationPackageName=NTLM\tWorkstationName={ws}\t\
KeyLength=0\tIpAddress={ip}\tIpPort={port}",
        short = &dc[..4],
        rec = r.range(100_000, 9_999_999),
        user = r.pick(USERS),
        sub = r.pick(SUBSTATUS),
        ws = r.pick(HOSTS),
        ip = r.ipv4(),
        port = r.range(1024, 65535),
    )
}

/// ArcSight SmartConnector CEF of a 4625.
pub fn cef_4625(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    format!(
        "<134>Nov 23 {h:02}:{m:02}:{s:02} arcsight01 CEF:0|Microsoft|Microsoft Windows||Microsoft-Windows-Security-Auditing:4625|\
An account failed to log on|Low|eventId={eid} externalId=4625 rt=Nov 23 2026 {h:02}:{m:02}:{s:02} GMT \
categorySignificance=/Informational/Warning categoryBehavior=/Authentication/Verify categoryOutcome=/Failure \
categoryObject=/Host/Operating System outcome=Failure dhost={dc} dntdom=CORP duser={user} src={ip} spt={port} \
shost={ws} cs2=Logon cs2Label=EventlogCategory cs4=0xC000006D cs4Label=Reason or Error Code \
cs5=NTLM cs5Label=Authentication Package Name ad.SubStatus={sub} ad.LogonType=3 \
ad.LogonProcessName=NtLmSsp ad.WorkstationName={ws} cat=Security deviceProcessName=lsass.exe",
        eid = r.range(1_000_000, 99_999_999),
        dc = r.pick(DCS),
        user = r.pick(USERS),
        ip = r.ipv4(),
        port = r.range(1024, 65535),
        ws = r.pick(HOSTS),
        sub = r.pick(SUBSTATUS),
    )
}

/// NXLog `to_syslog_ietf()` with the EventData as RFC 5424 structured data.
pub fn rfc5424_4625(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    format!(
        "<13>1 2026-11-23T{h:02}:{m:02}:{s:02}.{ms:03}Z {dc} Microsoft-Windows-Security-Auditing 684 - \
[NXLOG@14506 Keywords=\"-9218868437227405312\" EventType=\"AUDIT_FAILURE\" EventID=\"4625\" \
ProviderGuid=\"{{54849625-5478-4994-A5BA-3E3B0328C30D}}\" Version=\"0\" Task=\"12544\" RecordNumber=\"{rec}\" \
Channel=\"Security\" SubjectUserSid=\"S-1-0-0\" SubjectUserName=\"-\" TargetUserSid=\"S-1-0-0\" \
TargetUserName=\"{user}\" TargetDomainName=\"CORP\" Status=\"0xc000006d\" FailureReason=\"%%2313\" \
SubStatus=\"{sub}\" LogonType=\"3\" LogonProcessName=\"NtLmSsp \" AuthenticationPackageName=\"NTLM\" \
WorkstationName=\"{ws}\" IpAddress=\"{ip}\" IpPort=\"{port}\"] An account failed to log on.",
        ms = r.range(0, 1000),
        dc = r.pick(DCS),
        rec = r.range(100_000, 9_999_999),
        user = r.pick(USERS),
        sub = r.pick(SUBSTATUS),
        ws = r.pick(HOSTS),
        ip = r.ipv4(),
        port = r.range(1024, 65535),
    )
}

/// The rendered 4625 message, flattened onto one line with `sep` between its lines.
fn rendered_4625(r: &mut Rng, sep: &str) -> String {
    let words = [
        "An account failed to log on.",
        "Subject:",
        "Security ID: NULL SID",
        "Account Name: -",
        "Account Domain: -",
        "Logon ID: 0x0",
        "Logon Type: 3",
        "Account For Which Logon Failed:",
        "Security ID: NULL SID",
    ];
    let mut text = words.join(sep);
    let tail = [
        format!("Account Name: {}", r.pick(USERS)),
        "Account Domain: CORP".to_owned(),
        "Failure Information:".to_owned(),
        "Failure Reason: Unknown user name or bad password.".to_owned(),
        "Status: 0xC000006D".to_owned(),
        format!(
            "Sub Status: {}",
            r.pick(SUBSTATUS).to_ascii_uppercase().replacen('X', "x", 1)
        ),
        "Process Information:".to_owned(),
        "Caller Process ID: 0x0".to_owned(),
        "Caller Process Name: -".to_owned(),
        "Network Information:".to_owned(),
        format!("Workstation Name: {}", r.pick(HOSTS)),
        format!("Source Network Address: {}", r.ipv4()),
        format!("Source Port: {}", r.range(1024, 65535)),
        "Detailed Authentication Information:".to_owned(),
        "Logon Process: NtLmSsp".to_owned(),
        "Authentication Package: NTLM".to_owned(),
        "Transited Services: -".to_owned(),
        "Package Name (NTLM only): -".to_owned(),
        "Key Length: 0".to_owned(),
    ];
    for t in tail {
        text.push_str(sep);
        text.push_str(&t);
    }
    text
}

/// QRadar WinCollect key=value record with the rendered `Message`.
pub fn wincollect_4625(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    let dc = r.pick(DCS);
    let message = rendered_4625(r, "  ");
    format!(
        "<13>Nov 23 {h:02}:{m:02}:{s:02} {short} AgentDevice=WindowsLog\tAgentLogFile=Security\t\
PluginVersion=7.3.1.22\tSource=Microsoft-Windows-Security-Auditing\tComputer={dc}\tOriginatingComputer={dc}\t\
User=\tDomain=\tEventID=4625\tEventIDCode=4625\tEventType=16\tEventCategory=12544\tRecordNumber={rec}\t\
TimeGenerated={t}\tTimeWritten={t}\tLevel=Log Always\tKeywords=Audit Failure\tTask=SE_ADT_LOGON_LOGON\t\
Opcode=Info\tMessage={message}",
        short = &dc[..4],
        rec = r.range(100_000, 9_999_999),
        t = 1_795_400_000 + r.range(0, 86_400),
    )
}

/// Snare agent `MSWinEventLog` record of a 4771 (Kerberos pre-authentication failed).
pub fn snare_4771(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    let dc = r.pick(DCS);
    let counter = r.range(10_000, 999_999);
    format!(
        "<14>Nov 23 {h:02}:{m:02}:{s:02} {short} MSWinEventLog\t1\tSecurity\t{counter}\tMon Nov 23 {h:02}:{m:02}:{s:02} 2026\t\
4771\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tFailure Audit\t{dc}\tKerberos Authentication Service\t\t\
Kerberos pre-authentication failed.    Account Information:   Security ID:  S-1-5-21-3623811015-3361044348-30300820-{rid}   \
Account Name:  {user}    Service Information:   Service Name:  krbtgt/CORP    Network Information:   \
Client Address:  ::ffff:{ip}   Client Port:  {port}    Additional Information:   Ticket Options:  0x40810010   \
Failure Code:  {code}   Pre-Authentication Type: 2    Certificate Information:   Certificate Issuer Name:     \
Certificate Serial Number:     Certificate Thumbprint:\t{counter}",
        short = &dc[..4],
        rid = r.range(1000, 9999),
        user = r.pick(USERS),
        ip = r.ipv4(),
        port = r.range(1024, 65535),
        code = r.pick(&["0x18", "0x6", "0x18", "0x12"]),
    )
}

/// Rendered text after an RFC 3164 header (Eventlog-to-Syslog / evtsys style: the ID, then the
/// message with its line breaks turned into spaces).
pub fn text_4625(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    let dc = r.pick(DCS);
    let message = rendered_4625(r, " ");
    format!("<13>Nov 23 {h:02}:{m:02}:{s:02} {dc} Security-Auditing: 4625: AUDIT_FAILURE {message}")
}

/// Winlogbeat 8 (ECS) 4625, one JSON object per line as Logstash/Kafka relays ship it.
pub fn winlogbeat_4625(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    let dc = r.pick(DCS);
    let user = r.pick(USERS);
    let ws = r.pick(HOSTS);
    let ip = r.ipv4();
    let port = r.range(1024, 65535);
    let sub = r.pick(SUBSTATUS);
    let message = rendered_4625(r, "\\n\\t").replace(": ", ":\\t\\t");
    format!(
        "{{\"@timestamp\":\"2026-11-23T{h:02}:{m:02}:{s:02}.{ms:03}Z\",\"@metadata\":{{\"beat\":\"winlogbeat\",\"type\":\"_doc\",\"version\":\"8.15.0\"}},\
\"agent\":{{\"type\":\"winlogbeat\",\"version\":\"8.15.0\",\"ephemeral_id\":\"4b8e1a52-5d7f-4c3e-9c2a-2f0b7e8d1c6a\",\"name\":\"wec01\"}},\
\"ecs\":{{\"version\":\"8.0.0\"}},\"log\":{{\"level\":\"information\"}},\
\"event\":{{\"code\":\"4625\",\"kind\":\"event\",\"provider\":\"Microsoft-Windows-Security-Auditing\",\"action\":\"logon-failed\",\"category\":[\"authentication\"],\"type\":[\"start\"],\"outcome\":\"failure\",\"created\":\"2026-11-23T{h:02}:{m:02}:{s:02}.900Z\"}},\
\"host\":{{\"name\":\"wec01.corp.example\"}},\"message\":\"{message}\",\
\"source\":{{\"ip\":\"{ip}\",\"port\":{port},\"domain\":\"{ws}\"}},\"user\":{{\"name\":\"{user}\",\"domain\":\"CORP\"}},\
\"winlog\":{{\"channel\":\"Security\",\"computer_name\":\"{dc}\",\"event_id\":\"4625\",\"provider_name\":\"Microsoft-Windows-Security-Auditing\",\
\"provider_guid\":\"{{54849625-5478-4994-a5ba-3e3b0328c30d}}\",\"record_id\":{rec},\"task\":\"Logon\",\"keywords\":[\"Audit Failure\"],\
\"process\":{{\"pid\":684,\"thread\":{{\"id\":{tid}}}}},\"logon\":{{\"type\":\"Network\",\"failure\":{{\"reason\":\"Unknown user name or bad password.\",\"status\":\"This is either due to a bad username or authentication information\",\"sub_status\":\"User logon with misspelled or bad user account\"}}}},\
\"event_data\":{{\"SubjectUserSid\":\"S-1-0-0\",\"SubjectUserName\":\"-\",\"SubjectDomainName\":\"-\",\"SubjectLogonId\":\"0x0\",\"TargetUserSid\":\"S-1-0-0\",\
\"TargetUserName\":\"{user}\",\"TargetDomainName\":\"CORP\",\"Status\":\"0xc000006d\",\"FailureReason\":\"%%2313\",\"SubStatus\":\"{sub}\",\
\"LogonType\":\"3\",\"LogonProcessName\":\"NtLmSsp \",\"AuthenticationPackageName\":\"NTLM\",\"WorkstationName\":\"{ws}\",\
\"TransmittedServices\":\"-\",\"LmPackageName\":\"-\",\"KeyLength\":\"0\",\"ProcessId\":\"0x0\",\"ProcessName\":\"-\",\"IpAddress\":\"{ip}\",\"IpPort\":\"{port}\"}}}}}}",
        ms = r.range(0, 1000),
        rec = r.range(100_000, 9_999_999),
        tid = r.range(100, 9999),
    )
}

/// Azure AD / Entra ID sign-in log record as Event Hub (diagnostic settings) delivers it.
pub fn azure_signin(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    let user = r.pick(USERS);
    let ip = r.ipv4();
    let (code, reason) = [
        (50126, "Invalid username or password or Invalid on-premise username or password."),
        (50053, "Account is locked because user tried to sign in too many times with an incorrect user ID or password."),
        (50034, "The user account does not exist in the directory."),
    ][r.range(0, 3) as usize];
    let id = r.next_u64();
    format!(
        "{{\"time\":\"2026-11-23T{h:02}:{m:02}:{s:02}.1200000Z\",\"resourceId\":\"/tenants/33333333-3333-3333-3333-333333333333/providers/Microsoft.aadiam\",\
\"operationName\":\"Sign-in activity\",\"operationVersion\":\"1.0\",\"category\":\"SignInLogs\",\"tenantId\":\"33333333-3333-3333-3333-333333333333\",\
\"resultType\":\"{code}\",\"resultSignature\":\"None\",\"resultDescription\":\"{reason}\",\"durationMs\":0,\"callerIpAddress\":\"{ip}\",\
\"correlationId\":\"{id:016x}-0000-4000-8000-000000000002\",\"identity\":\"{user}\",\"Level\":4,\"location\":\"NL\",\
\"properties\":{{\"id\":\"{id:016x}-1111-4000-8000-000000000003\",\"createdDateTime\":\"2026-11-23T{h:02}:{m:02}:{s:02}.5000000+00:00\",\
\"userDisplayName\":\"{user}\",\"userPrincipalName\":\"{user}@contoso.example\",\"userId\":\"{id:016x}-2222-4000-8000-000000000004\",\
\"appId\":\"c44b4083-3bb0-49c1-b47d-974e53cbdf3c\",\"appDisplayName\":\"Azure Portal\",\"ipAddress\":\"{ip}\",\
\"status\":{{\"errorCode\":{code},\"failureReason\":\"{reason}\"}},\"clientAppUsed\":\"Browser\",\
\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\",\
\"deviceDetail\":{{\"deviceId\":\"\",\"operatingSystem\":\"Linux\",\"browser\":\"Firefox 128.0\"}},\
\"location\":{{\"city\":\"Amsterdam\",\"state\":\"Noord-Holland\",\"countryOrRegion\":\"NL\",\"geoCoordinates\":{{\"latitude\":52.37,\"longitude\":4.89}}}},\
\"mfaDetail\":{{}},\"correlationId\":\"{id:016x}-0000-4000-8000-000000000002\",\"conditionalAccessStatus\":\"notApplied\",\
\"appliedConditionalAccessPolicies\":[],\"authenticationRequirement\":\"singleFactorAuthentication\",\"isInteractive\":true,\
\"tokenIssuerType\":\"AzureAD\",\"riskDetail\":\"none\",\"riskLevelAggregated\":\"none\",\"riskLevelDuringSignIn\":\"none\",\"riskState\":\"none\",\
\"resourceDisplayName\":\"Windows Azure Service Management API\",\"resourceId\":\"797f4846-ba00-4fd7-ba43-dac1f8f63013\",\
\"authenticationMethodsUsed\":[],\"authenticationDetails\":[{{\"authenticationStepDateTime\":\"2026-11-23T{h:02}:{m:02}:{s:02}.5000000+00:00\",\
\"authenticationMethod\":\"Password\",\"succeeded\":false,\"authenticationStepResultDetail\":\"Invalid username or password\"}}]}}}}"
    )
}

// ------------------------------------------------------------------------ other traffic

/// Linux netfilter log via the kernel.
pub fn iptables(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    format!(
        "<4>Nov 23 {h:02}:{m:02}:{s:02} fw01 kernel: [{up}.{us:06}] DROP-IN IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 \
SRC={src} DST={dst} LEN=60 TOS=0x00 PREC=0x00 TTL={ttl} ID={id} DF PROTO=TCP SPT={spt} DPT={dpt} WINDOW=64240 RES=0x00 SYN URGP=0",
        up = r.range(1000, 999_999),
        us = r.range(0, 1_000_000),
        src = r.ipv4(),
        dst = r.internal_ip(),
        ttl = r.range(40, 128),
        id = r.range(0, 65535),
        spt = r.range(1024, 65535),
        dpt = r.pick(&["22", "23", "443", "3389", "445", "8080", "5900"]),
    )
}

/// PAN-OS TRAFFIC log (CSV) over syslog.
pub fn panos_traffic(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    let t = format!("2026/11/23 {h:02}:{m:02}:{s:02}");
    let src = r.internal_ip();
    let dst = r.ipv4();
    format!(
        "<14>Nov 23 {h:02}:{m:02}:{s:02} PA-3220 1,{t},012801012345,TRAFFIC,end,2562,{t},{src},{dst},198.51.100.1,{dst},allow-web,,,ssl,vsys1,\
trust,untrust,ethernet1/2,ethernet1/1,log-fwd,{t},{sess},1,{sport},443,{nport},443,0x400053,tcp,allow,{bytes},{sent},{rcvd},{pkts},{t},{el},\
computer-and-internet,0,{seq},0x0,10.0.0.0-10.255.255.255,United States,0,{ps},{pr},tcp-fin,0,0,0,0,,PA-3220,from-policy,,,0,,0,,N/A,0,0,0,0,\
{uuid:016x}-a9b2-4c1d-8e3f-0123456789ab,0,0,,,,,,,,0.0.0.0,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,0,2026-11-23T{h:02}:{m:02}:{s:02}.123+00:00,,,",
        sess = r.range(10_000, 9_999_999),
        sport = r.range(1024, 65535),
        nport = r.range(1024, 65535),
        bytes = r.range(100, 9_999_999),
        sent = r.range(100, 999_999),
        rcvd = r.range(100, 9_999_999),
        pkts = r.range(1, 9999),
        el = r.range(0, 3600),
        seq = r.range(1_000_000, 9_999_999_999),
        ps = r.range(1, 999),
        pr = r.range(1, 999),
        uuid = r.next_u64(),
    )
}

/// Cisco ASA connection build/teardown.
pub fn cisco_asa(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    let conn = r.range(100_000, 999_999_999);
    let (inside, outside) = (r.internal_ip(), r.ipv4());
    let (ip_, op) = (r.range(1024, 65535), r.pick(&["443", "80", "53", "123"]));
    if r.range(0, 2) == 0 {
        format!(
            "<166>Nov 23 2026 {h:02}:{m:02}:{s:02}: %ASA-6-302013: Built outbound TCP connection {conn} for outside:{outside}/{op} \
({outside}/{op}) to inside:{inside}/{ip_} (198.51.100.4/{ip_})"
        )
    } else {
        format!(
            "<166>Nov 23 2026 {h:02}:{m:02}:{s:02}: %ASA-6-302014: Teardown TCP connection {conn} for outside:{outside}/{op} to \
inside:{inside}/{ip_} duration 0:00:{d:02} bytes {b} TCP FINs from inside",
            d = r.range(0, 60),
            b = r.range(0, 999_999),
        )
    }
}

/// FortiGate traffic log (key=value, quoted strings).
pub fn fortigate(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    format!(
        "<189>date=2026-11-23 time={h:02}:{m:02}:{s:02} devname=\"FGT60F-HQ\" devid=\"FGT60FTK2109ABCD\" eventtime={et} tz=\"+0000\" \
logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" srcip={src} srcport={sp} srcintf=\"internal\" \
srcintfrole=\"lan\" dstip={dst} dstport=443 dstintf=\"wan1\" dstintfrole=\"wan\" srccountry=\"Reserved\" dstcountry=\"United States\" \
sessionid={sess} proto=6 action=\"close\" policyid=12 policytype=\"policy\" poluuid=\"{u:016x}-7c1d-51ee-1a2b-3c4d5e6f7a8b\" \
service=\"HTTPS\" trandisp=\"snat\" transip=198.51.100.1 transport={tp} duration={d} sentbyte={sb} rcvdbyte={rb} sentpkt={spk} rcvdpkt={rpk} \
appcat=\"unscanned\"",
        et = 1_795_400_000_000_000_000u64 + r.range(0, 86_400_000_000_000),
        src = r.internal_ip(),
        sp = r.range(1024, 65535),
        dst = r.ipv4(),
        sess = r.range(1_000_000, 999_999_999),
        u = r.next_u64(),
        tp = r.range(1024, 65535),
        d = r.range(0, 600),
        sb = r.range(100, 9_999_999),
        rb = r.range(100, 9_999_999),
        spk = r.range(1, 9999),
        rpk = r.range(1, 9999),
    )
}

/// Everyday Linux syslog: sshd, cron, systemd, postfix, sudo, auditd.
pub fn linux(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    let host = r.pick(&["web01", "db02", "bastion", "k8s-node-7", "mail"]);
    let pid = r.range(300, 99_999);
    let body = match r.range(0, 7) {
        0 => format!(
            "sshd[{pid}]: Accepted publickey for deploy from {} port {} ssh2: ED25519 SHA256:Jx9mZk2c1Qv0oR4bT8yW3nH6aLpE5sU7dF0gK1iC2vM",
            r.internal_ip(),
            r.range(1024, 65535)
        ),
        1 => format!("CRON[{pid}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)"),
        2 => format!("systemd[1]: Started session-{}.scope - Session {} of User deploy.", r.range(1, 99_999), r.range(1, 99_999)),
        3 => format!(
            "postfix/smtpd[{pid}]: connect from mail-{}.example.net[{}]",
            r.range(1, 999),
            r.ipv4()
        ),
        4 => format!(
            "sudo[{pid}]:   deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx.service"
        ),
        5 => format!(
            "audit: type=1300 audit({}.{:03}:{}): arch=c000003e syscall=59 success=yes exit=0 a0=55d0c8a1b2c0 a1=55d0c8a1b3e0 \
a2=55d0c8a1b4a0 a3=0 items=2 ppid={} pid={pid} auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 \
ses={} comm=\"bash\" exe=\"/usr/bin/bash\" key=\"exec\"",
            1_795_400_000 + r.range(0, 86_400),
            r.range(0, 1000),
            r.range(1000, 99_999_999),
            r.range(300, 99_999),
            r.range(1, 9999)
        ),
        _ => format!(
            "nginx: {} - - [23/Nov/2026:{h:02}:{m:02}:{s:02} +0000] \"GET /api/v1/items?page={} HTTP/1.1\" 200 {} \"-\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\"",
            r.ipv4(),
            r.range(1, 500),
            r.range(100, 99_999)
        ),
    };
    format!("<30>Nov 23 {h:02}:{m:02}:{s:02} {host} {body}")
}

/// NXLog LEEF of a 4624 (successful logon): the most common Windows Security event.
pub fn leef_4624(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    let dc = r.pick(DCS);
    format!(
        "<14>Nov 23 {h:02}:{m:02}:{s:02} {short} LEEF:1.0|NXLog|Microsoft-Windows-Security-Auditing|5.8|4624|\
EventTime=2026-11-23 {h:02}:{m:02}:{s:02}\tHostname={dc}\tKeywords=-9214364837600034816\tEventType=AUDIT_SUCCESS\t\
SeverityValue=2\tSeverity=INFO\tEventID=4624\tSourceName=Microsoft-Windows-Security-Auditing\t\
ProviderGuid={{54849625-5478-4994-A5BA-3E3B0328C30D}}\tVersion=2\tTask=12544\tOpcodeValue=0\t\
RecordNumber={rec}\tProcessID=684\tThreadID={tid}\tChannel=Security\tCategory=Logon\tOpcode=Info\t\
SubjectUserSid=S-1-5-18\tSubjectUserName={short}$\tSubjectDomainName=CORP\tSubjectLogonId=0x3e7\t\
TargetUserSid=S-1-5-21-3623811015-3361044348-30300820-{rid}\tTargetUserName={user}\tTargetDomainName=CORP\t\
TargetLogonId=0x{lid:x}\tLogonType=3\tLogonProcessName=Kerberos\tAuthenticationPackageName=Kerberos\t\
WorkstationName=-\tLogonGuid={{{g:016x}-0000-0000-0000-000000000000}}\tTransmittedServices=-\tLmPackageName=-\t\
KeyLength=0\tProcessId=0x0\tProcessName=-\tIpAddress={ip}\tIpPort={port}\tImpersonationLevel=%%1833\t\
ElevatedToken=%%1842",
        short = &dc[..4],
        rec = r.range(100_000, 9_999_999),
        tid = r.range(100, 9999),
        rid = r.range(1000, 9999),
        user = r.pick(USERS),
        lid = r.next_u64() & 0xFFF_FFFF,
        g = r.next_u64(),
        ip = r.internal_ip(),
        port = r.range(1024, 65535),
    )
}

/// Snare record of a 4688 (process creation).
pub fn snare_4688(r: &mut Rng) -> String {
    let (h, m, s) = time_of_day(r);
    let counter = r.range(10_000, 999_999);
    let exe = r.pick(&[
        "C:\\Windows\\System32\\svchost.exe",
        "C:\\Windows\\System32\\conhost.exe",
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    ]);
    format!(
        "<14>Nov 23 {h:02}:{m:02}:{s:02} WS0142 MSWinEventLog\t1\tSecurity\t{counter}\tMon Nov 23 {h:02}:{m:02}:{s:02} 2026\t\
4688\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tSuccess Audit\tWS0142.corp.example\tProcess Creation\t\t\
A new process has been created.    Creator Subject:   Security ID:  S-1-5-18   Account Name:  WS0142$   \
Account Domain:  CORP   Logon ID:  0x3E7    Target Subject:   Security ID:  S-1-0-0   Account Name:  -   \
Account Domain:  -   Logon ID:  0x0    Process Information:   New Process ID:  0x{np:x}   New Process Name:  {exe}   \
Token Elevation Type:  %%1936   Mandatory Label:  S-1-16-16384   Creator Process ID:  0x{cp:x}   \
Creator Process Name:  C:\\Windows\\System32\\services.exe   Process Command Line:  \t{counter}",
        np = r.range(0x100, 0xFFFF),
        cp = r.range(0x100, 0xFFFF),
    )
}

/// A firewall line whose numbers happen to contain `4625` (a destination port): it passes the
/// prefilter and is rejected only after parsing.
pub fn iptables_port_4625(r: &mut Rng) -> String {
    let line = iptables(r);
    match line.find(" DPT=") {
        Some(i) => {
            let at = i + " DPT=".len();
            let end = line[at..].find(' ').map_or(line.len(), |j| at + j);
            format!("{}4625{}", &line[..at], &line[end..])
        }
        None => line,
    }
}

/// A 4624 whose record number contains `4625`: passes the prefilter; LEEF stops at its ID.
pub fn leef_4624_with_4625_inside(r: &mut Rng) -> String {
    let line = leef_4624(r);
    match line.find("RecordNumber=") {
        Some(i) => {
            let at = i + "RecordNumber=".len();
            format!("{}4625{}", &line[..at], &line[at..])
        }
        None => line,
    }
}
