//! What each results.csv column may hold, and the full check of a row read back.
//!
//! Why: `--resume` keeps rows of an earlier run and `merge` copies rows of other machines'
//! shards; a row cut and glued by a crash or a hand edit (`true` cut to `tr`, a missing field,
//! another point's axis values) must not pass as a finished point. Every field is parsed against
//! its column's type — the axis cells against the values the point must have, the metric cells
//! against the type of their field in [`Metrics`] (read from its `Deserialize`, so the check
//! follows the struct as it changes).

use std::sync::OnceLock;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::results::Status;
use crate::metrics::Metrics;

/// The type of a metric field, as its cell must parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// A finite decimal number; empty when the value is undefined (written as JSON `null`).
    Number,
    /// A non-negative integer.
    Count,
    /// `true` or `false`.
    Flag,
    /// One of these words (a unit enum).
    Word(&'static [&'static str]),
}

/// The metric fields of [`Metrics`] with their kinds, in column order.
pub fn metric_kinds() -> &'static [(&'static str, CellKind)] {
    static KINDS: OnceLock<Vec<(&'static str, CellKind)>> = OnceLock::new();
    KINDS.get_or_init(|| {
        let mut kinds = Vec::new();
        Metrics::deserialize(StructProbe(&mut kinds)).expect("Metrics is a struct of scalars");
        kinds
    })
}

/// Check a data row of results.csv: `fields` against the column layout of a sweep of `n_axes`
/// axes whose cells for this point must be `axis_cells` (`None`: not known here, e.g. in
/// `merge`). Returns the row's status, or why the row is damaged.
pub fn check_row(
    fields: &[&str],
    n_axes: usize,
    axis_cells: Option<&[String]>,
) -> Result<Status, String> {
    let kinds = metric_kinds();
    let expected = 1 + n_axes + 2 + 2 * kinds.len();
    if fields.len() != expected {
        return Err(format!(
            "{} fields, a row of this sweep has {expected}",
            fields.len()
        ));
    }
    for (k, (cell, want)) in fields[1..=n_axes]
        .iter()
        .zip(axis_cells.unwrap_or_default())
        .enumerate()
    {
        if cell != want {
            return Err(format!(
                "axis column {} is {cell:?}, this point's value is {want:?}",
                k + 1
            ));
        }
    }
    let status_cell = fields[1 + n_axes];
    let status = Status::parse(status_cell)
        .ok_or_else(|| format!("status {status_cell:?} is not ok, not_converged or error"))?;
    let error_cell = fields[2 + n_axes];
    let (pre, post) = fields[3 + n_axes..].split_at(kinds.len());
    match status {
        Status::Error => {
            if error_cell.is_empty() {
                return Err("status error without a reason in the error column".into());
            }
            if let Some(k) = fields[3 + n_axes..].iter().position(|c| !c.is_empty()) {
                return Err(format!(
                    "status error but metric column {} has a value",
                    k + 1
                ));
            }
        }
        Status::Ok | Status::NotConverged => {
            if !error_cell.is_empty() {
                return Err(format!("status {status_cell} with an error message"));
            }
            check_metrics("pre", pre, false)?;
            check_metrics("post", post, true)?;
        }
    }
    Ok(status)
}

/// The metric cells of one state; `may_be_absent`: all empty is allowed (no clip placed).
fn check_metrics(state: &str, cells: &[&str], may_be_absent: bool) -> Result<(), String> {
    if may_be_absent && cells.iter().all(|c| c.is_empty()) {
        return Ok(());
    }
    for ((name, kind), cell) in metric_kinds().iter().zip(cells) {
        let ok = match kind {
            CellKind::Number => cell.is_empty() || cell.parse::<f64>().is_ok_and(|x| x.is_finite()),
            CellKind::Count => cell.parse::<u64>().is_ok(),
            CellKind::Flag => matches!(*cell, "true" | "false"),
            CellKind::Word(words) => words.contains(cell),
        };
        if !ok {
            return Err(format!("{state}_{name} = {cell:?} is not a valid {kind}"));
        }
    }
    Ok(())
}

impl std::fmt::Display for CellKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CellKind::Number => f.write_str("number"),
            CellKind::Count => f.write_str("count"),
            CellKind::Flag => f.write_str("true/false"),
            CellKind::Word(words) => write!(f, "word ({})", words.join(", ")),
        }
    }
}

type ProbeError = de::value::Error;

/// A deserializer that walks a struct's fields and records the kind each one asks for.
struct StructProbe<'a>(&'a mut Vec<(&'static str, CellKind)>);

impl<'de> de::Deserializer<'de> for StructProbe<'_> {
    type Error = ProbeError;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeError> {
        Err(de::Error::custom("a struct is expected"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        visitor.visit_map(Fields {
            names: fields,
            next: 0,
            out: self.0,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

struct Fields<'a> {
    names: &'static [&'static str],
    next: usize,
    out: &'a mut Vec<(&'static str, CellKind)>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = ProbeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ProbeError> {
        let Some(name) = self.names.get(self.next) else {
            return Ok(None);
        };
        seed.deserialize(name.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ProbeError> {
        let name = self.names[self.next];
        self.next += 1;
        seed.deserialize(ValueProbe {
            name,
            out: &mut *self.out,
        })
    }
}

/// Records the kind of one field and hands back a neutral value of it.
struct ValueProbe<'a> {
    name: &'static str,
    out: &'a mut Vec<(&'static str, CellKind)>,
}

impl ValueProbe<'_> {
    fn record(self, kind: CellKind) {
        self.out.push((self.name, kind));
    }
}

impl<'de> de::Deserializer<'de> for ValueProbe<'_> {
    type Error = ProbeError;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeError> {
        Err(de::Error::custom(format!(
            "metric {} is not a number, count, flag or word",
            self.name
        )))
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.record(CellKind::Number);
        visitor.visit_f64(0.0)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.record(CellKind::Number);
        visitor.visit_f32(0.0)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.record(CellKind::Count);
        visitor.visit_u8(0)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.record(CellKind::Count);
        visitor.visit_u16(0)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.record(CellKind::Count);
        visitor.visit_u32(0)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.record(CellKind::Count);
        visitor.visit_u64(0)
    }
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.record(CellKind::Flag);
        visitor.visit_bool(false)
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_some(self)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        let first = *variants
            .first()
            .ok_or_else(|| de::Error::custom("an enum without variants"))?;
        self.record(CellKind::Word(variants));
        visitor.visit_enum(first.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u128 char str string bytes byte_buf unit unit_struct
        newtype_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_metrics_struct() {
        let kinds = metric_kinds();
        let names: Vec<&str> = kinds.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, super::super::results::metric_keys());
        let kind = |name: &str| kinds.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(kind("lv_edv_ml"), CellKind::Number);
        assert_eq!(kind("mitral_valve_area_cm2"), CellKind::Number);
        assert_eq!(kind("converged"), CellKind::Flag);
        assert_eq!(kind("beats_to_steady_state"), CellKind::Count);
        assert!(matches!(kind("mr_grade"), CellKind::Word(w) if w.contains(&"severe")));
    }
}
