//! waveforms.csv: one row per output time of each converged beat, one column per channel.
//!
//! The first column, `state`, says which simulated state a row belongs to (`pre`, and `post` when
//! a clip is placed), so both beats live in one tidy table.
//! Why a fixed layout: scripts and plots read columns by name; names carry units
//! (see [`crate::beat::Channel`]). Numbers are written in Rust's shortest round-trip form, so the
//! file is exact and identical across runs and machines; undefined values (a diode's area) are
//! empty cells.
//! Why not `format!("{v}")` per cell: a run writes ≈ 70 000 numbers, and the standard formatter
//! (one String each) was 63 % of a run without figures; [`ShortestDecimal`] writes the same
//! characters, byte for byte, into a reused buffer, and blocks of rows are formatted on all
//! cores and written in order.

use crate::beat::{Channel, SampledBeat};
use rayon::prelude::*;
use std::io::{self, Write};

/// Write each `(state, beat)` as rows of one CSV with `state` and `t_s` columns first.
pub fn write(beats: &[(&str, SampledBeat)], out: impl Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let header: Vec<&str> = ["state", "t_s"]
        .into_iter()
        .chain(Channel::ALL.iter().map(|c| c.name()))
        .collect();
    w.write_record(&header)?;
    // Rows are built by hand: numbers never need quoting, and a state name is quoted by the
    // CSV writer once, not once per row.
    let mut out = w.into_inner().map_err(|e| e.into_error())?;
    for (state, beat) in beats {
        let state_field = {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([state])?;
            let mut field = w.into_inner().map_err(|e| e.into_error())?;
            field.pop(); // its line end
            field
        };
        // Blocks of rows are formatted on all cores, then written in order: the same bytes.
        let starts: Vec<usize> = (0..beat.t_s.len()).step_by(ROWS_PER_BLOCK).collect();
        let blocks: Vec<Vec<u8>> = starts
            .par_iter()
            .map(|&start| format_rows(&state_field, beat, start..(start + ROWS_PER_BLOCK)))
            .collect();
        for block in blocks {
            out.write_all(&block)?;
        }
    }
    out.flush()
}

/// Rows formatted per task: ≈ 90 kB of text, large enough that a task costs far more than
/// handing it to a thread.
const ROWS_PER_BLOCK: usize = 200;

/// The CSV lines of `beat`'s rows `rows` (cut at its end), each starting with `state_field`.
fn format_rows(state_field: &[u8], beat: &SampledBeat, rows: std::ops::Range<usize>) -> Vec<u8> {
    let rows = rows.start..rows.end.min(beat.t_s.len());
    let mut number = ShortestDecimal::new();
    let mut text = Vec::with_capacity(rows.len() * 1024);
    for row in rows {
        text.extend_from_slice(state_field);
        for v in std::iter::once(&beat.t_s[row]).chain(beat.data.row(row)) {
            text.push(b',');
            text.extend_from_slice(number.format(*v));
        }
        text.push(b'\n');
    }
    text
}

/// Formats an f64 exactly as `format!("{v}")` does — the shortest decimal that parses back to
/// the same f64, never in exponent notation — and a non-finite value as an empty string.
///
/// How: `zmij` finds the shortest round-trip digits, laid out here in plain positional notation
/// as `Display` does. Both find the shortest string and, of equally short ones, the closest to
/// the exact value; they could differ only on an exact tie (`Display` rounds half up), which needs a value whose exact decimal expansion has at most 18 significant digits
/// (e.g. 2⁻¹⁴ + 2⁻²¹): such short values are left to the standard formatter
/// ([`may_tie`]). The test `same_text_as_display` compares the two on millions of values.
pub struct ShortestDecimal {
    digits: zmij::Buffer,
    out: Vec<u8>,
}

impl Default for ShortestDecimal {
    fn default() -> Self {
        Self::new()
    }
}

impl ShortestDecimal {
    pub fn new() -> Self {
        Self {
            digits: zmij::Buffer::new(),
            out: Vec::with_capacity(32),
        }
    }

    /// `v` as text (valid until the next call).
    pub fn format(&mut self, v: f64) -> &[u8] {
        self.out.clear();
        if !v.is_finite() {
            return &self.out;
        }
        if may_tie(v) {
            use std::io::Write as _;
            write!(self.out, "{v}").expect("writing to a Vec cannot fail");
            return &self.out;
        }
        let text = self.digits.format_finite(v).as_bytes();
        if !text.contains(&b'e') {
            // Positional already; `Display` writes an integer without the digits' ".0".
            let text = text.strip_suffix(b".0").unwrap_or(text);
            self.out.extend_from_slice(text);
            return &self.out;
        }
        let (negative, text) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        // `d.ddde±x` or `de±x`: the digits, and where the decimal point goes among them.
        let e = text.iter().position(|&c| c == b'e').expect("an exponent");
        let exponent = parse_exponent(&text[e + 1..]);
        let mut digits = [0u8; 24];
        let mut n = 0;
        for &c in text[..e].iter().filter(|c| c.is_ascii_digit()) {
            digits[n] = c;
            n += 1;
        }
        let digits = &digits[..n];
        let point = 1 + exponent;
        if negative {
            self.out.push(b'-');
        }
        if point <= 0 {
            self.out.extend_from_slice(b"0.");
            self.out
                .extend(std::iter::repeat_n(b'0', point.unsigned_abs() as usize));
            self.out.extend_from_slice(digits);
        } else if point as usize >= n {
            self.out.extend_from_slice(digits);
            self.out
                .extend(std::iter::repeat_n(b'0', point as usize - n));
        } else {
            let (whole, frac) = digits.split_at(point as usize);
            self.out.extend_from_slice(whole);
            self.out.push(b'.');
            self.out.extend_from_slice(frac);
        }
        &self.out
    }
}

/// Whether the exact decimal expansion of `v` (finite) may have 18 or fewer significant digits,
/// the only values whose shortest round-trip form can be a tie between two candidates.
fn may_tie(v: f64) -> bool {
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exp2) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | 1 << 52, biased - 1075)
    };
    if mantissa == 0 {
        return false; // ±0
    }
    // v = odd · 2^e exactly.
    let zeros = mantissa.trailing_zeros();
    let odd = mantissa >> zeros;
    let e = exp2 + zeros as i32;
    if e >= 0 {
        // An integer: below 2^53 its digits are exact and shortest.
        return v.abs() >= 9_007_199_254_740_992.0;
    }
    // odd·5^(−e) (odd, so no trailing zeros) holds the significant digits: at least
    // log10(2^(bits−1)) + (−e)·log10(5) of them. A margin of half a digit.
    let bits_of_odd = 64 - odd.leading_zeros();
    f64::from(bits_of_odd - 1) * std::f64::consts::LOG10_2 + f64::from(-e) * 0.698_970_004_336_018_8
        < 18.5
}

/// The exponent of the digits' text: an optional sign and decimal digits.
fn parse_exponent(text: &[u8]) -> i32 {
    let (sign, digits) = match text.split_first() {
        Some((b'-', rest)) => (-1, rest),
        Some((b'+', rest)) => (1, rest),
        _ => (1, text),
    };
    sign * digits
        .iter()
        .fold(0i32, |acc, &d| acc * 10 + i32::from(d - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(v: f64, f: &mut ShortestDecimal) {
        let ours = std::str::from_utf8(f.format(v)).unwrap().to_owned();
        assert_eq!(ours, format!("{v}"), "bits {:#x}", v.to_bits());
    }

    #[test]
    fn same_text_as_display() {
        let mut f = ShortestDecimal::new();
        for v in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.5,
            10.0,
            100.0,
            123456.0,
            1e15,
            1e16,
            1e17,
            1.5e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            1e-5,
            1e-6,
            1e-7,
            1.25e-7,
            0.001,
            0.000123,
            2.5,
            1.0 / 3.0,
            -2.0 / 3.0,
            123.456,
            1e23,
            f64::from_bits(0x4317_9085_685d_83c9), // a tie: 1658206780088562.25
            2f64.powi(-14) + 2f64.powi(-21),       // a tie: 0.000061511993408203125
        ] {
            check(v, &mut f);
        }
        // Random bit patterns over every exponent, and numbers of a waveform's scales.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..1_000_000 {
            let v = f64::from_bits(next());
            if v.is_finite() {
                check(v, &mut f);
            }
        }
        for _ in 0..1_000_000 {
            let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
            let scale = [1e-9, 1e-3, 1.0, 100.0, 1e4][(next() % 5) as usize];
            check((u - 0.3) * scale, &mut f);
            check((u * 1000.0).round() / 1000.0, &mut f); // times on a 1 ms grid
        }
        // Short dyadic values (few mantissa bits): where ties live.
        for _ in 0..1_000_000 {
            let bits = 1 + next() % 53;
            let odd = (next() >> (64 - bits)) | 1;
            let e = (next() % 140) as i32 - 90;
            check(odd as f64 * 2f64.powi(e), &mut f);
        }
    }

    #[test]
    fn non_finite_is_empty() {
        let mut f = ShortestDecimal::new();
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(f.format(v).is_empty());
        }
    }
}
