//! Translations: one Fluent file per language, embedded in the binary.
//!
//! French is the default and the fallback; English is complete. Tests fail when a message is
//! missing in either language or when code or a template uses an id that does not exist.

use std::collections::HashMap;
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language of the interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// French (Canada), the default.
    #[default]
    Fr,
    /// English (Canada).
    En,
}

impl Lang {
    /// Both languages, French first.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// The short code (`fr`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Fr => "fr-CA",
            Lang::En => "en-CA",
        }
    }

    /// The other language (for the switch).
    #[must_use]
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    /// Parses `fr`, `fr-CA`, `en`, `en-US`…
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The preferred supported language of an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("");
            let q = it.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag)
                && q > 0.0
                && best.is_none_or(|(_, bq)| q > bq)
            {
                best = Some((lang, q));
            }
        }
        best.map(|(l, _)| l)
    }
}

/// The source of each language's messages.
pub const SOURCES: [(Lang, &str); 2] =
    [(Lang::Fr, include_str!("../locales/fr.ftl")), (Lang::En, include_str!("../locales/en.ftl"))];

/// The loaded bundles.
pub struct I18n {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("I18n").finish_non_exhaustive()
    }
}

/// A translation file that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("translation file for {0} does not parse")]
pub struct I18nError(&'static str);

impl I18n {
    /// Parses the embedded files.
    pub fn load() -> Result<Arc<Self>, I18nError> {
        let mut bundles = HashMap::new();
        for (lang, src) in SOURCES {
            let res = FluentResource::try_new(src.to_owned()).map_err(|_| I18nError(lang.code()))?;
            let id: LanguageIdentifier = lang.tag().parse().map_err(|_| I18nError(lang.code()))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Unicode isolation marks around arguments would end up inside HTML attributes and
            // plain-text outputs; our arguments are never mixed-direction text.
            bundle.set_use_isolating(false);
            bundle.add_resource(res).map_err(|_| I18nError(lang.code()))?;
            bundles.insert(lang, bundle);
        }
        Ok(Arc::new(Self { bundles }))
    }

    /// The message `id` in `lang`, falling back to French, then to the id itself (which the
    /// tests forbid, so it never reaches a user).
    pub fn t(&self, lang: Lang, id: &str) -> String {
        self.format(lang, id, None)
    }

    /// The message `id` with arguments.
    pub fn t_args(&self, lang: Lang, id: &str, args: &[(&str, &str)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, FluentValue::from(*v));
        }
        self.format(lang, id, Some(&fa))
    }

    fn format(&self, lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        for l in [lang, Lang::Fr] {
            let Some(bundle) = self.bundles.get(&l) else { continue };
            let (msg_id, attr) = match id.split_once('.') {
                Some((m, a)) => (m, Some(a)),
                None => (id, None),
            };
            let Some(msg) = bundle.get_message(msg_id) else { continue };
            let pattern = match attr {
                Some(a) => msg.get_attribute(a).map(|at| at.value()),
                None => msg.value(),
            };
            if let Some(p) = pattern {
                let mut errors = Vec::new();
                return bundle.format_pattern(p, args, &mut errors).into_owned();
            }
        }
        id.to_owned()
    }

    /// Whether a message exists in `lang`.
    pub fn has(&self, lang: Lang, id: &str) -> bool {
        self.bundles.get(&lang).is_some_and(|b| b.has_message(id))
    }
}

/// The message ids defined in a Fluent source.
pub fn message_ids(src: &str) -> Vec<String> {
    src.lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('=').map(|(id, _)| id.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        assert_eq!(Lang::from_accept_language("en-CA,en;q=0.9,fr;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("de-DE, fr-CA;q=0.5, en;q=0.4"), Some(Lang::Fr));
        assert_eq!(Lang::from_accept_language("de, es"), None);
        assert_eq!(Lang::from_accept_language("en;q=0, fr;q=0.1"), Some(Lang::Fr));
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn both_languages_define_the_same_messages() {
        let fr = message_ids(SOURCES[0].1);
        let en = message_ids(SOURCES[1].1);
        let missing_en: Vec<_> = fr.iter().filter(|id| !en.contains(id)).collect();
        let missing_fr: Vec<_> = en.iter().filter(|id| !fr.contains(id)).collect();
        assert!(missing_en.is_empty(), "missing in English: {missing_en:?}");
        assert!(missing_fr.is_empty(), "missing in French: {missing_fr:?}");
        let mut sorted = fr.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), fr.len(), "a message id is defined twice");
    }

    #[test]
    fn files_parse_and_messages_format() {
        let i18n = I18n::load().unwrap_or_else(|e| panic!("{e}"));
        for (lang, src) in SOURCES {
            for id in message_ids(src) {
                let text = i18n.t(lang, &id);
                assert!(!text.trim().is_empty(), "{id} is empty in {}", lang.code());
            }
        }
        assert_eq!(i18n.t(Lang::Fr, "no-such-message"), "no-such-message");
    }

    /// Every id used in the code (`"id"` passed to a translation call) and in templates
    /// (`t("id")`) exists in both languages.
    #[test]
    fn every_used_id_exists() {
        let i18n = I18n::load().unwrap_or_else(|e| panic!("{e}"));
        let mut used = Vec::new();
        let dirs = [concat!(env!("CARGO_MANIFEST_DIR"), "/src"), concat!(env!("CARGO_MANIFEST_DIR"), "/templates")];
        let mut files = Vec::new();
        for dir in dirs {
            collect(std::path::Path::new(dir), &mut files);
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for marker in [".t(\"", ".t1(\""] {
                let mut rest = text.as_str();
                while let Some(pos) = rest.find(marker) {
                    rest = &rest[pos + marker.len()..];
                    if let Some(end) = rest.find('"') {
                        let id = &rest[..end];
                        if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
                            used.push((f.display().to_string(), id.to_owned()));
                        }
                    }
                }
            }
        }
        assert!(used.len() > 20, "the scan found too few ids: {}", used.len());
        let mut missing = Vec::new();
        for (file, id) in &used {
            let base = id.split('.').next().unwrap_or(id);
            for lang in Lang::ALL {
                if !i18n.has(lang, base) {
                    missing.push(format!("{id} ({}) in {file}", lang.code()));
                }
            }
        }
        assert!(missing.is_empty(), "undefined messages: {missing:#?}");
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    collect(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
                    out.push(p);
                }
            }
        }
    }
}
