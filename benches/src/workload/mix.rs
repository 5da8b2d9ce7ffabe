//! The share of each payload format in a workload, from `leef=2,snare=1,json=1,text=1`.

use std::str::FromStr;

use super::render::PayloadFormat;
use super::rng::SplitMix64;

/// Relative weights, indexed like [`PayloadFormat::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatMix {
    weights: [u32; 4],
}

impl Default for FormatMix {
    /// An even mix of the four formats.
    fn default() -> Self {
        FormatMix { weights: [1; 4] }
    }
}

impl FormatMix {
    pub fn only(format: PayloadFormat) -> FormatMix {
        let mut weights = [0; 4];
        weights[format as usize] = 1;
        FormatMix { weights }
    }

    pub fn weight(&self, format: PayloadFormat) -> u32 {
        self.weights[format as usize]
    }

    pub fn pick(&self, rng: &mut SplitMix64) -> PayloadFormat {
        PayloadFormat::ALL[rng.weighted(&self.weights)]
    }
}

impl FromStr for FormatMix {
    type Err = String;

    /// `leef=2,snare=1` (unnamed formats get weight 0) or a bare format name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut weights = [0u32; 4];
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = match part.split_once('=') {
                Some((n, w)) => (
                    n.trim(),
                    w.trim()
                        .parse::<u32>()
                        .map_err(|e| format!("weight of {n:?}: {e}"))?,
                ),
                None => (part, 1),
            };
            let format = PayloadFormat::from_name(name)
                .ok_or_else(|| format!("unknown format {name:?} (leef | snare | json | text)"))?;
            weights[format as usize] = weight;
        }
        if weights.iter().all(|&w| w == 0) {
            return Err(format!("format mix {s:?} gives every format weight 0"));
        }
        Ok(FormatMix { weights })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_weights_and_bare_names() {
        let m: FormatMix = "leef=3, json=1".parse().unwrap();
        assert_eq!(m.weight(PayloadFormat::Leef), 3);
        assert_eq!(m.weight(PayloadFormat::Snare), 0);
        assert_eq!(m.weight(PayloadFormat::Json), 1);
        assert_eq!(
            "text".parse::<FormatMix>().unwrap(),
            FormatMix::only(PayloadFormat::Text)
        );
        assert!("cef=1".parse::<FormatMix>().is_err());
        assert!("leef=0".parse::<FormatMix>().is_err());
        assert!("leef=x".parse::<FormatMix>().is_err());
    }
}
