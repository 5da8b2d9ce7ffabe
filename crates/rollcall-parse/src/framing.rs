//! Stream framing for TCP/TLS syslog. (Being written: see issue 3.)
