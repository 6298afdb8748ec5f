//! Metrics that are undefined for a state, written as `null` with a reason instead of nonsense
//! numbers.
//!
//! Why in the output layer: the metric formulas (src/metrics.rs) compute a number for every
//! state, including states far from physiology — a run stopped at `max_beats` before its
//! periodic steady state, or a circulation whose net flow is reversed. A negative end-systolic
//! volume or a regurgitant fraction of 1551 % is then arithmetic, not a measurement. The writers
//! check each state's metrics against what the quantity can be (a volume is not negative, a
//! fraction of a forward volume lies in 0–100 %) and replace what fails by `null` in
//! metrics.json (an empty cell in results.csv), naming the reason in metrics.json's `undefined`.

use serde::de::{self, Deserializer, IntoDeserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::metrics::Metrics;

/// Volumes of a chamber or of a flow over a beat: negative is not a volume.
const NON_NEGATIVE_ML: &[&str] = &[
    "lv_edv_ml",
    "lv_esv_ml",
    "lv_stroke_volume_ml",
    "mitral_forward_volume_ml",
    "regurgitant_volume_ml",
];

/// Fractions of a volume, in %: defined on 0–100.
const FRACTIONS_PCT: &[(&str, &str)] = &[
    (
        "lv_ejection_fraction_pct",
        "the LV volumes of this state are not physiological (end-diastolic volume not above \
         the end-systolic one, or negative)",
    ),
    (
        "regurgitant_fraction_pct",
        "the mitral forward volume of this state is not above its regurgitant volume (net \
         flow through the valve reversed, e.g. by a leaking aortic valve), so the fraction is \
         undefined",
    ),
];

/// Metrics computed from others: undefined when one of their inputs is.
const DERIVED_FROM: &[(&str, &[&str])] = &[
    ("lv_stroke_volume_ml", &["lv_edv_ml", "lv_esv_ml"]),
    ("lv_ejection_fraction_pct", &["lv_edv_ml", "lv_esv_ml"]),
    (
        "regurgitant_fraction_pct",
        &["regurgitant_volume_ml", "mitral_forward_volume_ml"],
    ),
];

/// The metrics of `m` that are undefined for its state, each with why, in metric order.
pub fn undefined_metrics(m: &Metrics) -> Vec<(String, String)> {
    let Ok(Value::Object(map)) = serde_json::to_value(m) else {
        unreachable!("Metrics serialises to a JSON object");
    };
    let mut out: Vec<(String, String)> = Vec::new();
    let number = |key: &str| map.get(key).and_then(Value::as_f64);
    for key in map.keys() {
        let reason = match number(key) {
            Some(x) if x < 0.0 && NON_NEGATIVE_ML.contains(&key.as_str()) => Some(format!(
                "{x} mL is negative: not a volume (the state is not physiological)"
            )),
            Some(x) if !(0.0..=100.0).contains(&x) => FRACTIONS_PCT
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, why)| format!("{x} % is outside 0–100 %: {why}")),
            _ => None,
        };
        if let Some(reason) = reason {
            out.push((key.clone(), reason));
        }
    }
    for (key, inputs) in DERIVED_FROM {
        if out.iter().any(|(k, _)| k == key) {
            continue;
        }
        if let Some(input) = inputs.iter().find(|i| out.iter().any(|(k, _)| k == *i)) {
            out.push((
                (*key).to_owned(),
                format!("computed from {input}, which is undefined"),
            ));
        }
    }
    let order: Vec<&String> = map.keys().collect();
    out.sort_by_key(|(k, _)| order.iter().position(|o| *o == k));
    out
}

/// `m` as a JSON object with its undefined metrics set to `null`.
pub fn defined_json(m: &Metrics) -> Map<String, Value> {
    let Ok(Value::Object(mut map)) = serde_json::to_value(m) else {
        unreachable!("Metrics serialises to a JSON object");
    };
    for (key, _) in undefined_metrics(m) {
        map.insert(key, Value::Null);
    }
    map
}

/// A copy of `m` with its undefined metrics NaN (what the summary table prints as undefined).
pub fn undefined_as_nan(m: &Metrics) -> Metrics {
    metrics_from_map(defined_json(m)).expect("metrics read back from their own JSON")
}

/// Serialise metrics with their undefined values as `null` (for `#[serde(serialize_with)]`).
pub fn serialize_defined<S: Serializer>(m: &&Metrics, s: S) -> Result<S::Ok, S::Error> {
    defined_json(m).serialize(s)
}

/// As [`serialize_defined`], for an optional state.
pub fn serialize_defined_opt<S: Serializer>(m: &Option<&Metrics>, s: S) -> Result<S::Ok, S::Error> {
    m.map(defined_json).serialize(s)
}

/// metrics.json's `undefined`: `{"pre": {key: reason}, "post": {...}}`, `None` if every metric
/// of every state is defined.
pub fn undefined_section(pre: &Metrics, post: Option<&Metrics>) -> Option<Map<String, Value>> {
    let mut section = Map::new();
    for (state, m) in std::iter::once(("pre", pre)).chain(post.map(|p| ("post", p))) {
        let found = undefined_metrics(m);
        if !found.is_empty() {
            let reasons = found
                .into_iter()
                .map(|(k, why)| (k, Value::String(why)))
                .collect();
            section.insert(state.to_owned(), Value::Object(reasons));
        }
    }
    (!section.is_empty()).then_some(section)
}

/// Read a `pre` state written by [`serialize_defined`]: a `null` where a number is expected
/// reads as NaN (undefined), so readers of metrics.json (`plot`) accept undefined metrics.
pub fn deserialize_pre<'de, D: Deserializer<'de>>(d: D) -> Result<Metrics, D::Error> {
    let map = Map::<String, Value>::deserialize(d)?;
    metrics_from_map(map).map_err(|e| de::Error::custom(format!("pre.{e}")))
}

/// As [`deserialize_pre`], for the optional `post` state.
pub fn deserialize_post<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Metrics>, D::Error> {
    Option::<Map<String, Value>>::deserialize(d)?
        .map(metrics_from_map)
        .transpose()
        .map_err(|e| de::Error::custom(format!("post.{e}")))
}

/// Metrics from their JSON object, `null` numbers as NaN; an error names the field.
fn metrics_from_map(map: Map<String, Value>) -> Result<Metrics, String> {
    let fields = de::value::MapDeserializer::new(map.into_iter().map(|(k, v)| (k, NullAsNan(v))));
    serde_path_to_error::deserialize(fields).map_err(|e| format!("{}: {}", e.path(), e.inner()))
}

/// A JSON value whose `null` reads as NaN where an f64 is asked for.
struct NullAsNan(Value);

impl<'de> IntoDeserializer<'de, serde_json::Error> for NullAsNan {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for NullAsNan {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.0.deserialize_any(visitor)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_f64(f64::NAN),
            other => other.deserialize_f64(visitor),
        }
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(NullAsNan(other)),
        }
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::results::metric_keys;

    /// Metrics with every number 10 and these overrides.
    fn metrics(overrides: &[(&str, f64)]) -> Metrics {
        let mut map = Map::new();
        for key in metric_keys() {
            let v = match *key {
                "mr_grade" => Value::from("severe"),
                "converged" => Value::from(false),
                "beats_to_steady_state" => Value::from(300),
                _ => Value::from(10.0),
            };
            map.insert((*key).to_owned(), v);
        }
        for (k, v) in overrides {
            map.insert((*k).to_owned(), Value::from(*v));
        }
        serde_json::from_value(Value::Object(map)).expect("metrics")
    }

    #[test]
    fn every_rule_names_a_metric_that_exists() {
        let keys = metric_keys();
        let named = NON_NEGATIVE_ML
            .iter()
            .chain(FRACTIONS_PCT.iter().map(|(k, _)| k))
            .chain(
                DERIVED_FROM
                    .iter()
                    .flat_map(|(k, i)| std::iter::once(k).chain(i.iter())),
            );
        for k in named {
            assert!(keys.contains(k), "{k} is not a metric any more");
        }
    }

    #[test]
    fn a_physiological_state_has_no_undefined_metric() {
        assert!(undefined_metrics(&metrics(&[("lv_ejection_fraction_pct", 55.0)])).is_empty());
    }

    #[test]
    fn negative_volumes_and_fractions_beyond_100_are_null_with_a_reason() {
        let m = metrics(&[
            ("lv_esv_ml", -3.5),
            ("lv_ejection_fraction_pct", 103.0),
            ("regurgitant_fraction_pct", 1551.0),
        ]);
        let found = undefined_metrics(&m);
        let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "lv_esv_ml",
                "lv_stroke_volume_ml",
                "lv_ejection_fraction_pct",
                "regurgitant_fraction_pct"
            ]
        );
        assert_eq!(
            found[0].1,
            "-3.5 mL is negative: not a volume (the state is not physiological)"
        );
        assert_eq!(found[1].1, "computed from lv_esv_ml, which is undefined");
        assert!(found[3]
            .1
            .starts_with("1551 % is outside 0–100 %: the mitral forward volume"));
        let json = defined_json(&m);
        assert_eq!(json["lv_esv_ml"], Value::Null);
        assert_eq!(json["lv_edv_ml"], Value::from(10.0));
        // And read back (as `plot` reads metrics.json): null is NaN.
        let back = metrics_from_map(json).unwrap();
        assert!(back.lv_esv_ml.is_nan());
        assert_eq!(back.lv_edv_ml, 10.0);
        let section = undefined_section(&metrics(&[]), Some(&m)).unwrap();
        assert!(section.get("pre").is_none());
        assert_eq!(section["post"].as_object().unwrap().len(), 4);
    }
}
