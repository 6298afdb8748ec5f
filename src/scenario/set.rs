//! `--set KEY=VALUE` arguments as one more layer over the scenario file. Why a layer: a value
//! given on the command line goes through exactly the merge and validation a file value does,
//! and its errors point at the argument instead of a line.

use toml::Value;

use super::error::{Problem, Source};
use super::layer::{forget, join, Layer};

/// Keys that only a file can set: they steer how files are read, not the model.
const FILE_ONLY: [&str; 2] = ["version", "preset"];

/// All `--set` arguments as one layer; a later argument wins over an earlier one for the same key.
pub(crate) fn parse_sets(sets: &[String]) -> Result<Layer, Vec<Problem>> {
    let mut layer = Layer::default();
    let mut problems = Vec::new();
    for arg in sets {
        if let Err(message) = apply(&mut layer, arg) {
            problems.push(Problem::new(Some(Source::Set(arg.clone())), message));
        }
    }
    if problems.is_empty() {
        Ok(layer)
    } else {
        Err(problems)
    }
}

fn apply(layer: &mut Layer, arg: &str) -> Result<(), String> {
    let Some((key, value)) = arg.split_once('=') else {
        return Err(
            "expected KEY=VALUE, e.g. --set valves.mitral.eroa_cm2=0.3 (no '=' found)".into(),
        );
    };
    let segments: Vec<&str> = key.trim().split('.').collect();
    let bare = |s: &&str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if !segments.iter().all(bare) {
        return Err(format!(
            "KEY {:?} must be a dotted key path such as valves.mitral.eroa_cm2",
            key.trim()
        ));
    }
    if let [only] = segments.as_slice() {
        if FILE_ONLY.contains(only) {
            return Err(format!("`{only}` can only be set in a scenario file"));
        }
    }
    let source = Source::Set(arg.to_owned());
    let mut table = &mut layer.table;
    let mut path = String::new();
    let (last, parents) = segments.split_last().ok_or("empty KEY")?;
    for seg in parents {
        path = join(&path, seg);
        if !matches!(table.get(*seg), Some(Value::Table(_))) {
            table.insert((*seg).to_owned(), Value::Table(toml::Table::new()));
            forget(&mut layer.locs, &path);
        }
        layer
            .locs
            .entry(path.clone())
            .or_insert_with(|| source.clone());
        table = match table.get_mut(*seg) {
            Some(Value::Table(t)) => t,
            _ => return Err(format!("cannot set {key}: {path} is not a table")),
        };
    }
    let path = join(&path, last);
    forget(&mut layer.locs, &path);
    layer.locs.insert(path, source);
    table.insert((*last).to_owned(), parse_value(value.trim()));
    Ok(())
}

/// A TOML value (number, boolean, quoted string, array, inline table), else the text as a
/// string, so that `--set valves.mitral.law=orifice` needs no shell quoting.
fn parse_value(text: &str) -> Value {
    let parsed = format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .filter(|t| t.len() == 1)
        .and_then(|mut t| t.remove("v"));
    parsed.unwrap_or_else(|| Value::String(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(args: &[&str]) -> Result<Layer, Vec<Problem>> {
        parse_sets(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn values_are_toml_with_a_bare_string_fallback() {
        assert_eq!(parse_value("75"), Value::Integer(75));
        assert_eq!(parse_value("1e-3"), Value::Float(1e-3));
        assert_eq!(parse_value("true"), Value::Boolean(true));
        assert_eq!(parse_value("\"a b\""), Value::String("a b".into()));
        assert_eq!(parse_value("orifice"), Value::String("orifice".into()));
        assert_eq!(parse_value("1.2.3"), Value::String("1.2.3".into()));
        // No injection of further keys through the value.
        assert_eq!(
            parse_value("1\nname = \"x\""),
            Value::String("1\nname = \"x\"".into())
        );
        assert!(parse_value("nan").as_float().is_some_and(f64::is_nan));
    }

    #[test]
    fn builds_nested_tables_with_the_argument_as_source() {
        let l =
            sets(&["valves.mitral.law=orifice", "valves.mitral.eroa_cm2 = 0.3"]).expect("valid");
        assert_eq!(l.table["valves"]["mitral"]["law"].as_str(), Some("orifice"));
        assert_eq!(
            l.table["valves"]["mitral"]["eroa_cm2"].as_float(),
            Some(0.3)
        );
        assert_eq!(
            l.source("valves.mitral.eroa_cm2"),
            Some(Source::Set("valves.mitral.eroa_cm2 = 0.3".into()))
        );
        assert_eq!(
            l.source("valves"),
            Some(Source::Set("valves.mitral.law=orifice".into()))
        );
    }

    #[test]
    fn later_arguments_win() {
        let l = sets(&["heart=1", "heart.rate_bpm=70", "heart.rate_bpm=80"]).expect("valid");
        assert_eq!(l.table["heart"]["rate_bpm"].as_integer(), Some(80));
        assert_eq!(
            l.source("heart.rate_bpm"),
            Some(Source::Set("heart.rate_bpm=80".into()))
        );
    }

    #[test]
    fn malformed_arguments_are_named() {
        let errs = sets(&["heart.rate_bpm", "a..b=1", "version=2", "heart.rate_bpm=70"])
            .expect_err("three bad arguments");
        let rendered: Vec<String> = errs.iter().map(|p| p.render("x.toml")).collect();
        assert_eq!(rendered.len(), 3, "{rendered:?}");
        assert!(rendered[0].starts_with("--set heart.rate_bpm: expected KEY=VALUE"));
        assert!(rendered[1].contains("a..b"), "{}", rendered[1]);
        assert!(rendered[2].contains("`version` can only be set in a scenario file"));
    }
}
