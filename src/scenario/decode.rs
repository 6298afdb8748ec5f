//! The merged table into the raw serde mirror. Why its own module: serde's messages ("unknown
//! field `x`, expected one of ...", "invalid type: string, expected f64") name neither the full
//! key path nor the place; here they are reworded into `key.path = value: expected ...` and
//! located at the line (or --set argument) that wrote the key.

use serde_path_to_error::Segment;
use toml::Value;

use super::error::{closest, Problem};
use super::layer::{get_path, Layer};
use super::raw::RawScenario;

/// The first key serde refuses, if any (the tests' view of [`decode_all`]).
#[cfg(test)]
pub(crate) fn decode(layer: &Layer) -> Result<RawScenario, Problem> {
    decode_located(layer).map_err(|(_, problem)| problem)
}

/// Most keys [`decode_all`] takes out before it gives up (a file that is mostly wrong).
const MAX_REFUSED: usize = 64;

/// Decode, listing every key serde refuses rather than the first: each refused key (unknown, or
/// of the wrong type) is reported, taken out of a copy of the layer, and the rest decoded again.
/// Returns the raw scenario of what is left with the layer it came from — so that its values can
/// be validated in the same pass — and the problems; no scenario when a refusal cannot be taken
/// out (a problem of the whole file).
pub(crate) fn decode_all(layer: &Layer) -> (Option<(RawScenario, Layer)>, Vec<Problem>) {
    let mut rest = layer.clone();
    let mut problems = Vec::new();
    for _ in 0..MAX_REFUSED {
        match decode_located(&rest) {
            Ok(raw) => return (Some((raw, rest)), problems),
            Err((path, problem)) => {
                problems.push(problem);
                if path.is_empty() || !remove_path(&mut rest.table, &path) {
                    return (None, problems);
                }
            }
        }
    }
    (None, problems)
}

/// Take the value at a dotted key path out of `table`; `false` when there is none.
fn remove_path(table: &mut toml::Table, path: &str) -> bool {
    let (parent, last) = match path.rsplit_once('.') {
        Some((parent, last)) => (Some(parent), last),
        None => (None, path),
    };
    let mut container: &mut Value = match parent {
        None => return table.remove(last).is_some(),
        Some(parent) => {
            let mut segments = parent.split('.');
            let Some(first) = segments.next().and_then(|k| table.get_mut(k)) else {
                return false;
            };
            let mut v = first;
            for seg in segments {
                v = match v {
                    Value::Table(t) => match t.get_mut(seg) {
                        Some(x) => x,
                        None => return false,
                    },
                    Value::Array(a) => match seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                        Some(x) => x,
                        None => return false,
                    },
                    _ => return false,
                };
            }
            v
        }
    };
    match &mut container {
        Value::Table(t) => t.remove(last).is_some(),
        Value::Array(a) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// [`decode`], with the dotted path of the refused key.
fn decode_located(layer: &Layer) -> Result<RawScenario, (String, Problem)> {
    serde_path_to_error::deserialize(Value::Table(layer.table.clone())).map_err(|err| {
        // `path` locates the key ("clip.clips.0.size"), `shown` names it ("clip.clips[0].size").
        let (mut path, mut shown) = (Vec::new(), String::new());
        for seg in err.path().iter() {
            let (key, word) = match seg {
                Segment::Map { key } | Segment::Enum { variant: key } => (key.clone(), key.clone()),
                Segment::Seq { index } => (index.to_string(), format!("[{index}]")),
                Segment::Unknown => continue,
            };
            if !shown.is_empty() && !word.starts_with('[') {
                shown.push('.');
            }
            shown.push_str(&word);
            path.push(key);
        }
        let path = path.join(".");
        let message = reword(&path, &shown, err.inner().message(), &layer.table);
        let problem = Problem::new(layer.source(&path), message);
        (path, problem)
    })
}

/// A serde message about the key at `path` (dotted, for look-ups), shown as `shown`, in the
/// words of the scenario format.
fn reword(path: &str, shown: &str, message: &str, table: &toml::Table) -> String {
    if message.starts_with("unknown field") {
        // "unknown field `x`, expected one of `a`, `b`": the first quoted word is the key.
        let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
        if let Some((_, expected)) = quoted.split_first() {
            let hint = path
                .rsplit('.')
                .next()
                .and_then(|key| closest(key, expected))
                .map(|k| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            let place = match shown.rfind('.') {
                Some(i) if shown[..i].ends_with(']') => format!("in {}", &shown[..i]),
                Some(i) => format!("in [{}]", &shown[..i]),
                None => "at the top level".to_owned(),
            };
            return format!(
                "unknown key {shown} {place}{hint}; expected one of: {}",
                expected.join(", ")
            );
        }
    }
    if let Some((_, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|m| m.rsplit_once(", expected "))
    {
        let expected = match expected {
            "f64" => "a number",
            "i64" => "an integer",
            "a sequence" => "an array",
            e if e.starts_with("struct ") => "a table",
            e => e,
        };
        return match get_path(table, path) {
            Some(value) => format!("{shown} = {value}: expected {expected}"),
            None => format!("{shown}: expected {expected}"),
        };
    }
    format!("{shown}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_err(text: &str) -> String {
        let layer = Layer::parse(text, "f.toml", None).expect("valid TOML");
        decode(&layer).expect_err("invalid").render("f.toml")
    }

    #[test]
    fn unknown_keys_name_path_line_section_and_choices() {
        let msg = decode_err("version = 1\n[valves.mitral]\nlaw = \"diode\"\neroa_cm = 1\n");
        assert!(
            msg.starts_with(
                "f.toml:4: unknown key valves.mitral.eroa_cm in [valves.mitral] \
                 (did you mean eroa_cm2?); expected one of: law, rmin, rmax,"
            ),
            "{msg}"
        );
        let msg = decode_err("version = 1\n\n[valvs.mitral]\nlaw = 1\n");
        assert!(
            msg.starts_with("f.toml:3: unknown key valvs at the top level (did you mean valves?)"),
            "{msg}"
        );
    }

    #[test]
    fn wrong_types_name_the_value() {
        assert_eq!(
            decode_err("version = 1\n[heart]\nrate_bpm = \"fast\"\n"),
            "f.toml:3: heart.rate_bpm = \"fast\": expected a number"
        );
        assert_eq!(
            decode_err("version = 1\n[solver]\nmax_beats = 2.5\n"),
            "f.toml:3: solver.max_beats = 2.5: expected an integer"
        );
        assert_eq!(
            decode_err("version = 1\nheart = 75\n"),
            "f.toml:2: heart = 75: expected a table"
        );
    }

    #[test]
    fn clip_entries_are_named_by_index() {
        let clip = "version = 1\n[clip]\nmodel = \"device\"\n";
        let msg = decode_err(&format!(
            "{clip}clips = [\n  {{ size = \"NT\", position_mm = 1 }},\n  {{ size = \"XT\", positon_mm = 9 }},\n]\n"
        ));
        assert!(
            msg.starts_with(
                "f.toml:6: unknown key clip.clips[1].positon_mm in clip.clips[1] (did you mean \
                 position_mm?); expected one of: size, position_mm, segment"
            ),
            "{msg}"
        );
        assert_eq!(
            decode_err(&format!("{clip}[[clip.clips]]\nsize = 4\n")),
            "f.toml:5: clip.clips[0].size = 4: expected a string"
        );
        assert_eq!(
            decode_err(&format!("{clip}clips = {{ size = \"NT\" }}\n")),
            "f.toml:4: clip.clips = { size = \"NT\" }: expected an array"
        );
        assert_eq!(
            decode_err(&format!("{clip}clips = [\"NT\"]\n")),
            "f.toml:4: clip.clips[0] = \"NT\": expected a table"
        );
    }

    #[test]
    fn every_refused_key_is_listed_and_the_rest_decoded() {
        let text = "version = 1\n[heart]\nrate_bpm = \"fast\"\nrte = 3\n[valves.mitral]\n\
                    eroa_cm = 1\neroa_cm2 = 0.3\n";
        let layer = Layer::parse(text, "f.toml", None).expect("valid TOML");
        let (decoded, problems) = decode_all(&layer);
        let messages: Vec<String> = problems.iter().map(|p| p.render("f.toml")).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages
            .iter()
            .any(|m| m.starts_with("f.toml:3: heart.rate_bpm = \"fast\"")));
        assert!(messages
            .iter()
            .any(|m| m.starts_with("f.toml:4: unknown key heart.rte")));
        assert!(messages
            .iter()
            .any(|m| m.starts_with("f.toml:6: unknown key valves.mitral.eroa_cm ")));
        let (raw, rest) = decoded.expect("the rest decodes");
        let mitral = raw.valves.and_then(|v| v.mitral).expect("kept");
        assert_eq!(mitral.eroa_cm2, Some(0.3));
        assert!(get_path(&rest.table, "heart.rte").is_none());
    }

    #[test]
    fn integers_are_numbers() {
        let layer = Layer::parse("version = 1\n[heart]\nrate_bpm = 75\n", "f", None).expect("ok");
        let raw = decode(&layer).expect("valid");
        assert_eq!(raw.heart.and_then(|h| h.rate_bpm), Some(75.0));
    }
}
