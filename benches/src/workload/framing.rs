//! How messages are delimited on the wire: LF (non-transparent framing), RFC 6587 octet
//! counting, or one message per UDP datagram.

use std::io::Write;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `MSG LF`
    Lf,
    /// `LEN SP MSG` (RFC 6587 octet counting)
    Octet,
    /// The message alone (UDP: the datagram is the frame).
    Datagram,
}

impl Framing {
    /// Appends `msg` framed to `out`.
    pub fn frame(self, msg: &[u8], out: &mut Vec<u8>) {
        match self {
            Framing::Lf => {
                out.extend_from_slice(msg);
                out.push(b'\n');
            }
            Framing::Octet => {
                let _ = write!(out, "{} ", msg.len());
                out.extend_from_slice(msg);
            }
            Framing::Datagram => out.extend_from_slice(msg),
        }
    }

    /// The message inside one frame this framing produced.
    pub fn unframe(self, frame: &[u8]) -> &[u8] {
        match self {
            Framing::Lf => frame.strip_suffix(b"\n").unwrap_or(frame),
            Framing::Octet => match memchr::memchr(b' ', frame) {
                Some(sp) => &frame[sp + 1..],
                None => frame,
            },
            Framing::Datagram => frame,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Framing::Lf => "lf",
            Framing::Octet => "octet",
            Framing::Datagram => "datagram",
        }
    }
}

impl FromStr for Framing {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "lf" => Ok(Framing::Lf),
            "octet" => Ok(Framing::Octet),
            "datagram" => Ok(Framing::Datagram),
            other => Err(format!("unknown framing {other:?} (lf | octet | datagram)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        for framing in [Framing::Lf, Framing::Octet, Framing::Datagram] {
            let mut out = Vec::new();
            framing.frame(b"<13>hello world", &mut out);
            assert_eq!(framing.unframe(&out), b"<13>hello world");
        }
        let mut out = Vec::new();
        Framing::Octet.frame(b"abc", &mut out);
        assert_eq!(out, b"3 abc");
    }
}
