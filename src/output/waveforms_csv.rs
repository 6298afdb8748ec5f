//! waveforms.csv: one row per output time of each converged beat, one column per channel.
//!
//! The first column, `state`, says which simulated state a row belongs to (`pre`, and `post` when
//! a clip is placed), so both beats live in one tidy table.
//! Why a fixed layout: scripts and plots read columns by name; names carry units
//! (see [`crate::beat::Channel`]). Numbers are written in Rust's shortest round-trip form, so the
//! file is exact and identical across runs and machines; undefined values (a diode's area) are
//! empty cells.

use crate::beat::{Channel, SampledBeat};
use std::io::{self, Write};

/// Write each `(state, beat)` as rows of one CSV with `state` and `t_s` columns first.
pub fn write(beats: &[(&str, &SampledBeat)], out: impl Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let header: Vec<&str> = ["state", "t_s"]
        .into_iter()
        .chain(Channel::ALL.iter().map(|c| c.name()))
        .collect();
    w.write_record(&header)?;
    let mut record = Vec::with_capacity(header.len());
    for (state, beat) in beats {
        for (row, t) in beat.t_s.iter().enumerate() {
            record.clear();
            record.push(state.to_string());
            record.push(format_number(*t));
            record.extend(beat.data.row(row).iter().map(|v| format_number(*v)));
            w.write_record(&record)?;
        }
    }
    w.flush()
}

fn format_number(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}
