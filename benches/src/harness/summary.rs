//! Statistics over samples and repetitions: steady-state rates, median and spread,
//! percentiles.

/// One reading of a receiver during a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    /// Seconds since sending started.
    pub t: f64,
    /// Messages accepted since the run started (counter minus its value before).
    pub messages: u64,
    pub bytes: Option<u64>,
    /// Whether the receiver published this value since the previous sample.
    pub fresh: bool,
}

/// Messages (and bytes) per second while the receiver was busy: between the first and the
/// last fresh sample strictly inside the run (0 < accepted < total), which excludes start-up
/// and the tail where the counter has already stopped. `None` when fewer than two such
/// samples span at least `min_span` seconds.
pub fn steady_rate(samples: &[Sample], total: u64, min_span: f64) -> Option<(f64, Option<f64>)> {
    let inside: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.fresh && s.messages > 0 && s.messages < total)
        .collect();
    let (first, last) = (inside.first()?, inside.last()?);
    let span = last.t - first.t;
    if span < min_span {
        return None;
    }
    let msgs = (last.messages - first.messages) as f64 / span;
    let bytes = match (first.bytes, last.bytes) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 / span),
        _ => None,
    };
    Some((msgs, bytes))
}

/// Median and (min, max) of `values`; `None` when empty. NaNs are ignored.
pub fn median_spread(values: &[f64]) -> Option<(f64, f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some((median, v[0], v[n - 1]))
}

/// Nearest-rank percentile (`p` in 0..=100) of sorted `values`.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: f64, messages: u64, fresh: bool) -> Sample {
        Sample {
            t,
            messages,
            bytes: Some(messages * 10),
            fresh,
        }
    }

    #[test]
    fn steady_rate_ignores_ramp_tail_and_stale_samples() {
        let samples = [
            s(0.0, 0, true),
            s(0.5, 100, true),
            s(1.0, 100, false), // stale: same published value
            s(1.5, 600, true),
            s(2.5, 1600, true),
            s(3.0, 2000, true), // complete: excluded
        ];
        let (m, b) = steady_rate(&samples, 2000, 0.5).unwrap();
        assert!((m - 750.0).abs() < 1e-9, "{m}");
        assert!((b.unwrap() - 7500.0).abs() < 1e-9);
        assert_eq!(steady_rate(&samples[..3], 2000, 0.5), None);
    }

    #[test]
    fn medians_and_percentiles() {
        assert_eq!(median_spread(&[3.0, 1.0, 2.0]), Some((2.0, 1.0, 3.0)));
        assert_eq!(median_spread(&[4.0, 1.0, 2.0, 3.0]), Some((2.5, 1.0, 4.0)));
        assert_eq!(median_spread(&[]), None);
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 99.0), Some(99.0));
        assert_eq!(percentile(&v, 100.0), Some(100.0));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
