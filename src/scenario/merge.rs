//! Layering: a scenario over its preset, and the --set arguments over both. Why its own module:
//! the override rule is the one subtle part of presets. Values override key by key; when an upper
//! layer changes a valve's `law`, a chamber's `passive` law, or the clip's `model` or `gap`, the
//! keys of the old law set by the lower layer are dropped, since they would not apply to the new
//! law.

use toml::Value;

use super::layer::{forget, join, Layer, Locs};
use super::raw::LAW_SWITCHES;

/// `overlay` on top of `base`.
pub(crate) fn merge(mut base: Layer, overlay: Layer) -> Layer {
    drop_replaced_law_keys(&mut base, &overlay);
    merge_tables(&mut base.table, &mut base.locs, overlay.table, "");
    base.locs.extend(overlay.locs);
    base
}

/// Remove from `base` the keys of every law that `overlay` replaces.
fn drop_replaced_law_keys(base: &mut Layer, overlay: &Layer) {
    for switch in LAW_SWITCHES {
        for (path, section) in switch.tables(&overlay.table) {
            let Some(new_law) = section.get(switch.key).and_then(Value::as_str) else {
                continue;
            };
            let Some(old) = table_at_mut(&mut base.table, &path) else {
                continue;
            };
            // A base without the (required) key selects no law: nothing to drop.
            let Some(old_law) = switch.law_in(old).map(str::to_owned) else {
                continue;
            };
            if old_law == new_law {
                continue;
            }
            for key in switch.keys_of(&old_law).unwrap_or_default() {
                if old.remove(*key).is_some() {
                    forget(&mut base.locs, &join(&path, key));
                }
            }
        }
    }
}

/// The table at a dotted key path of tables.
fn table_at_mut<'a>(table: &'a mut toml::Table, path: &str) -> Option<&'a mut toml::Table> {
    path.split('.')
        .try_fold(table, |t, seg| t.get_mut(seg)?.as_table_mut())
}

/// Deep merge of tables; anything else in `overlay` replaces what `base` had at that key.
fn merge_tables(base: &mut toml::Table, locs: &mut Locs, overlay: toml::Table, prefix: &str) {
    for (key, value) in overlay {
        let path = join(prefix, &key);
        match (base.get_mut(&key), value) {
            (Some(Value::Table(lower)), Value::Table(upper)) => {
                merge_tables(lower, locs, upper, &path)
            }
            (_, value) => {
                forget(locs, &path);
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::error::Source;

    fn layer(text: &str, file: &str) -> Layer {
        Layer::parse(text, file, None).expect("valid TOML")
    }

    fn file_of(layer: &Layer, path: &str) -> Option<String> {
        match layer.locs.get(path) {
            Some(Source::File { file, .. }) => Some(file.clone()),
            _ => None,
        }
    }

    #[test]
    fn overrides_key_by_key_and_keeps_sources() {
        let base = layer(
            "[heart]\nrate_bpm = 60\n[solver]\nrtol = 1e-6\natol = 1e-6",
            "base",
        );
        let top = layer("[solver]\nrtol = 1e-8", "top");
        let m = merge(base, top);
        assert_eq!(m.table["heart"]["rate_bpm"].as_integer(), Some(60));
        assert_eq!(m.table["solver"]["rtol"].as_float(), Some(1e-8));
        assert_eq!(m.table["solver"]["atol"].as_float(), Some(1e-6));
        assert_eq!(file_of(&m, "heart.rate_bpm").as_deref(), Some("base"));
        assert_eq!(file_of(&m, "solver.rtol").as_deref(), Some("top"));
        assert_eq!(file_of(&m, "solver.atol").as_deref(), Some("base"));
    }

    #[test]
    fn changing_the_law_drops_the_old_laws_keys() {
        let base = layer(
            "[valves.mitral]\nlaw = \"diode\"\nrmin = 0.01\n[valves.aortic]\nrmin = 0.02",
            "base",
        );
        let top = layer(
            "[valves.mitral]\nlaw = \"orifice\"\neroa_cm2 = 0.3\n[valves.aortic]\nlaw = \"diode\"",
            "top",
        );
        let m = merge(base, top);
        let mitral = m.table["valves"]["mitral"].as_table().expect("table");
        assert_eq!(mitral.get("rmin"), None);
        assert_eq!(mitral["eroa_cm2"].as_float(), Some(0.3));
        assert!(!m.locs.contains_key("valves.mitral.rmin"));
        // Same law (diode is the default): nothing dropped.
        assert_eq!(m.table["valves"]["aortic"]["rmin"].as_float(), Some(0.02));
    }

    #[test]
    fn changing_the_passive_law_drops_eb_but_not_shared_keys() {
        let base = layer("[chambers.lv]\nea = 2.0\neb = 0.1", "base");
        let top = layer("[chambers.lv]\npassive = \"exponential\"", "top");
        let m = merge(base, top);
        let lv = m.table["chambers"]["lv"].as_table().expect("table");
        assert_eq!(lv.get("eb"), None);
        assert_eq!(lv["ea"].as_float(), Some(2.0));
    }

    #[test]
    fn changing_the_clip_model_or_gap_drops_the_old_keys() {
        let base = layer(
            "[clip]\nmodel = \"device\"\ngap = \"localized\"\ngap_segment = \"P2\"\n\
             gap_width_mm = 8\nclips = [{ size = \"NT\", segment = \"P2\" }]",
            "base",
        );
        let direct = layer("[clip]\nmodel = \"direct\"\neroa_cm2 = 0.1", "top");
        let m = merge(base.clone(), direct);
        let clip = m.table["clip"].as_table().expect("table");
        assert_eq!(clip.keys().collect::<Vec<_>>(), ["eroa_cm2", "model"]);
        assert!(
            !m.locs.keys().any(|k| k.starts_with("clip.clips")),
            "{:?}",
            m.locs
        );

        let central = layer("[clip]\ngap = \"central\"", "top");
        let m = merge(base.clone(), central);
        let clip = m.table["clip"].as_table().expect("table");
        assert_eq!(clip.get("gap_width_mm"), None);
        assert_eq!(clip.get("gap_segment"), None);
        assert!(clip.contains_key("clips"));

        // Same model: the new clips replace the old ones as a whole.
        let clips = layer(
            "[clip]\nmodel = \"device\"\n[[clip.clips]]\nsize = \"XT\"",
            "top",
        );
        let m = merge(base.clone(), clips);
        assert_eq!(m.table["clip"]["clips"].as_array().map(Vec::len), Some(1));
        assert_eq!(m.table["clip"]["clips"][0].get("segment"), None);
        assert_eq!(m.table["clip"]["gap_width_mm"].as_integer(), Some(8));

        // `none` drops every key of the old model.
        let none = layer("[clip]\nmodel = \"none\"", "top");
        let m = merge(base, none);
        assert_eq!(m.table["clip"].as_table().map(toml::Table::len), Some(1));

        // A base clip without a model selects no law: nothing is dropped.
        let base = layer("[clip]\neroa_cm2 = 0.1", "base");
        let m = merge(base, layer("[clip]\nmodel = \"device\"", "top"));
        assert_eq!(m.table["clip"]["eroa_cm2"].as_float(), Some(0.1));
    }

    #[test]
    fn a_value_replacing_a_table_forgets_its_sources() {
        let base = layer("[heart]\nrate_bpm = 60", "base");
        let top = layer("heart = 3", "top");
        let m = merge(base, top);
        assert_eq!(m.table["heart"].as_integer(), Some(3));
        assert!(!m.locs.contains_key("heart.rate_bpm"));
        assert_eq!(file_of(&m, "heart").as_deref(), Some("top"));
    }
}
