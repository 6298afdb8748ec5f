//! The one range check every value goes through, and the collector of problems. Why: ~70 keys
//! share a handful of rules (finite, bounds, one of a few words, required); writing them once
//! keeps every message in the same `key.path = value: must be ...` shape, located at the line
//! that set the value, and lets validation report all problems of a file at once.

use std::collections::BTreeSet;

use super::error::Problem;
use super::layer::Layer;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    None,
    Incl(f64),
    Excl(f64),
}

/// Allowed values of a numeric key: finite, within optional bounds, in `unit`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limits {
    lo: Bound,
    hi: Bound,
    unit: &'static str,
}

impl Limits {
    /// Any finite number.
    pub const fn finite(unit: &'static str) -> Self {
        Self {
            lo: Bound::None,
            hi: Bound::None,
            unit,
        }
    }
    /// `lo ≤ x ≤ hi`.
    pub const fn between(lo: f64, hi: f64, unit: &'static str) -> Self {
        Self {
            lo: Bound::Incl(lo),
            hi: Bound::Incl(hi),
            unit,
        }
    }
    /// `lo < x ≤ hi`.
    pub const fn above_up_to(lo: f64, hi: f64, unit: &'static str) -> Self {
        Self {
            lo: Bound::Excl(lo),
            hi: Bound::Incl(hi),
            unit,
        }
    }
    /// `x > lo`.
    pub const fn above(lo: f64, unit: &'static str) -> Self {
        Self {
            lo: Bound::Excl(lo),
            hi: Bound::None,
            unit,
        }
    }
    /// `x ≥ lo`.
    pub const fn at_least(lo: f64, unit: &'static str) -> Self {
        Self {
            lo: Bound::Incl(lo),
            hi: Bound::None,
            unit,
        }
    }

    /// Whether any bound applies beyond finiteness.
    pub fn is_bounded(&self) -> bool {
        self.lo != Bound::None || self.hi != Bound::None
    }

    pub fn admits(&self, x: f64) -> bool {
        let lo_ok = match self.lo {
            Bound::None => true,
            Bound::Incl(lo) => x >= lo,
            Bound::Excl(lo) => x > lo,
        };
        let hi_ok = match self.hi {
            Bound::None => true,
            Bound::Incl(hi) => x <= hi,
            Bound::Excl(hi) => x < hi,
        };
        x.is_finite() && lo_ok && hi_ok
    }

    /// "between 30 and 200 bpm", "> 0 and ≤ 50 mmHg/mL", "a finite number (mmHg)".
    pub fn describe(&self) -> String {
        let bounds = match (self.lo, self.hi) {
            (Bound::Incl(lo), Bound::Incl(hi)) => {
                format!("between {} and {}", fmt_num(lo), fmt_num(hi))
            }
            (lo, hi) => {
                let parts: Vec<String> = [(lo, ["≥", ">"]), (hi, ["≤", "<"])]
                    .into_iter()
                    .filter_map(|(b, [incl, excl])| match b {
                        Bound::None => None,
                        Bound::Incl(x) => Some(format!("{incl} {}", fmt_num(x))),
                        Bound::Excl(x) => Some(format!("{excl} {}", fmt_num(x))),
                    })
                    .collect();
                parts.join(" and ")
            }
        };
        match (bounds.is_empty(), self.unit.is_empty()) {
            (true, true) => "a finite number".to_owned(),
            (true, false) => format!("a finite number ({})", self.unit),
            (false, true) => bounds,
            (false, false) => format!("{bounds} {}", self.unit),
        }
    }
}

/// A number as a scenario file would spell it: `8`, `7.7`, `1e-12`, `nan`, `-inf`.
pub(crate) fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else if x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e9) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Collects problems while validation fills in defaults.
pub(crate) struct Checker<'a> {
    layer: &'a Layer,
    problems: Vec<Problem>,
    /// Keys that already failed, so cross-checks do not pile on.
    bad: BTreeSet<String>,
}

impl<'a> Checker<'a> {
    pub fn new(layer: &'a Layer) -> Self {
        Self {
            layer,
            problems: Vec::new(),
            bad: BTreeSet::new(),
        }
    }

    /// The problems found, or `Ok` if none.
    pub fn finish(self) -> Result<(), Vec<Problem>> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.problems)
        }
    }

    /// Record that the value of `path` is bad, located where `path` (or its section) was set.
    pub fn fail(&mut self, path: &str, message: String) {
        self.report(path, message);
        self.bad.insert(path.to_owned());
    }

    /// Record a problem located at `path` without condemning its value (a cross-check).
    fn report(&mut self, path: &str, message: String) {
        self.problems
            .push(Problem::new(self.layer.source(path), message));
    }

    /// Record a problem between several keys, located at the first of them that a file or
    /// --set wrote (else where the first one's section was written).
    pub fn fail_at(&mut self, paths: &[&str], message: String) {
        let at = paths
            .iter()
            .find(|p| self.layer.is_set(p))
            .or(paths.first())
            .copied()
            .unwrap_or_default();
        self.report(at, message);
    }

    /// Whether none of `paths` has failed a check.
    pub fn ok(&self, paths: &[&str]) -> bool {
        paths.iter().all(|p| !self.bad.contains(*p))
    }

    /// Whether no key in section `prefix` (e.g. "initial") has failed a check.
    pub fn ok_under(&self, prefix: &str) -> bool {
        let below = format!("{prefix}.");
        !self.bad.iter().any(|b| b.starts_with(&below))
    }

    /// The value of a numeric key: `slot` (filled with `default` when absent), checked against
    /// `limits`. A bad value is reported and `default` returned so that checking can go on.
    pub fn num(&mut self, slot: &mut Option<f64>, path: &str, default: f64, limits: Limits) -> f64 {
        let value = *slot.get_or_insert(default);
        self.admit(path, value, limits).unwrap_or(default)
    }

    /// An optional numeric key without a default.
    pub fn opt_num(&mut self, slot: &Option<f64>, path: &str, limits: Limits) -> Option<f64> {
        slot.and_then(|v| self.admit(path, v, limits))
    }

    /// A numeric key that must be given because of `reason` (e.g. `passive = "exponential"`,
    /// written at `reason_path`). Returns NaN when missing or bad (a problem is then recorded).
    pub fn required(
        &mut self,
        slot: &Option<f64>,
        path: &str,
        limits: Limits,
        reason_path: &str,
        reason: &str,
    ) -> f64 {
        match slot {
            Some(v) => self.admit(path, *v, limits).unwrap_or(f64::NAN),
            None => {
                self.fail_at(
                    &[reason_path, path],
                    format!("{path} is required when {reason} ({})", limits.describe()),
                );
                self.bad.insert(path.to_owned());
                f64::NAN
            }
        }
    }

    /// An integer key, checked like a number.
    pub fn int(&mut self, slot: &mut Option<i64>, path: &str, default: i64, limits: Limits) -> i64 {
        let value = *slot.get_or_insert(default);
        // Exact for the small integers scenario files hold.
        match self.admit(path, value as f64, limits) {
            Some(_) => value,
            None => default,
        }
    }

    /// A word out of `allowed`; `default` when absent or bad.
    pub fn choice(
        &mut self,
        slot: &mut Option<String>,
        path: &str,
        default: &'static str,
        allowed: &[&'static str],
    ) -> &'static str {
        let value = slot.get_or_insert_with(|| default.to_owned());
        if let Some(found) = allowed.iter().find(|a| **a == value.as_str()) {
            return found;
        }
        let quoted: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
        let message = format!(
            "{path} = {}: must be {}",
            toml::Value::from(value.as_str()),
            quoted.join(" or ")
        );
        self.fail(path, message);
        default
    }

    fn admit(&mut self, path: &str, value: f64, limits: Limits) -> Option<f64> {
        if limits.admits(value) {
            return Some(value);
        }
        let bounded = limits.is_bounded();
        let finite = if value.is_finite() || !bounded {
            ""
        } else {
            "a finite number, "
        };
        let message = format!(
            "{path} = {}: must be {finite}{}",
            fmt_num(value),
            limits.describe()
        );
        self.fail(path, message);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_admit_and_describe() {
        let rate = Limits::between(30.0, 200.0, "bpm");
        assert!(rate.admits(30.0) && rate.admits(200.0) && !rate.admits(500.0));
        assert!(!rate.admits(f64::NAN));
        assert_eq!(rate.describe(), "between 30 and 200 bpm");
        let c = Limits::above_up_to(0.0, 1000.0, "mL/mmHg");
        assert!(!c.admits(0.0) && c.admits(1e-9));
        assert_eq!(c.describe(), "> 0 and ≤ 1000 mL/mmHg");
        assert_eq!(Limits::at_least(0.0, "mL").describe(), "≥ 0 mL");
        assert_eq!(Limits::above(0.0, "").describe(), "> 0");
        assert_eq!(Limits::finite("mmHg").describe(), "a finite number (mmHg)");
        assert!(!Limits::finite("mmHg").admits(f64::INFINITY));
    }

    #[test]
    fn numbers_print_as_written() {
        assert_eq!(fmt_num(8.0), "8");
        assert_eq!(fmt_num(7.7), "7.7");
        assert_eq!(fmt_num(1e-12), "1e-12");
        assert_eq!(fmt_num(f64::NAN), "nan");
        assert_eq!(fmt_num(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn checker_reports_located_messages_and_keeps_going() {
        let layer = Layer::parse("[heart]\nrate_bpm = nan\n[x]\nw = \"up\"", "f.toml", None)
            .expect("valid TOML");
        let mut c = Checker::new(&layer);
        let mut rate = Some(f64::NAN);
        let v = c.num(
            &mut rate,
            "heart.rate_bpm",
            75.0,
            Limits::between(30.0, 200.0, "bpm"),
        );
        assert_eq!(v, 75.0);
        let mut absent = None;
        assert_eq!(
            c.num(&mut absent, "heart.other", 1.0, Limits::finite("")),
            1.0
        );
        assert_eq!(absent, Some(1.0));
        let mut word = Some("up".to_owned());
        assert_eq!(
            c.choice(&mut word, "x.w", "down", &["down", "left"]),
            "down"
        );
        assert!(!c.ok(&["heart.rate_bpm"]) && c.ok(&["heart.other"]));
        let msgs: Vec<String> = c
            .finish()
            .expect_err("two problems")
            .iter()
            .map(|p| p.render("f.toml"))
            .collect();
        assert_eq!(
            msgs,
            [
                "f.toml:2: heart.rate_bpm = nan: must be a finite number, between 30 and 200 bpm",
                "f.toml:4: x.w = \"up\": must be \"down\" or \"left\"",
            ]
        );
    }
}
