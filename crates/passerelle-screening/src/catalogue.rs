//! The indicator catalogue: observable signs, grouped by domain, that a
//! professional can tick in the screening form.
//!
//! The source of truth is `catalogue/indicators.json` in this crate. The build
//! script checks it (ids unique, prefixed by their domain, `<domain>.other`
//! present in every domain, texts non-empty in both languages) and compiles it
//! into the static table below, so a broken catalogue cannot be shipped.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::lang::{Lang, Localized};
use crate::vocab::Domain;

/// One indicator of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Indicator {
    /// The id used in facts documents: `<domain>.<name>`.
    pub id: &'static str,
    /// The domain, which is also the id's prefix.
    pub domain: Domain,
    /// A short label for the form.
    pub label: Localized<&'static str>,
    /// What to look for, in a sentence or two.
    pub help: Localized<&'static str>,
}

impl Indicator {
    /// Whether this is the catch-all `<domain>.other` entry, whose details the
    /// professional writes in the notes.
    pub fn is_other(&self) -> bool {
        self.id.strip_prefix(self.domain.as_str()).is_some_and(|rest| rest == ".other")
    }
}

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// Every indicator, grouped by domain in the order of [`Domain::ALL`], each
/// domain ending with its `<domain>.other` entry.
pub fn indicators() -> &'static [Indicator] {
    INDICATORS
}

/// The indicators of one domain, in catalogue order.
pub fn indicators_in(domain: Domain) -> impl Iterator<Item = &'static Indicator> {
    INDICATORS.iter().filter(move |i| i.domain == domain)
}

/// The catalogue entry with exactly this id.
pub fn indicator(id: &str) -> Option<&'static Indicator> {
    INDICATORS.iter().find(|i| i.id == id)
}

/// The whole catalogue as one JSON document (`version`, then each domain with
/// its labels and indicators), for the web form and the API.
pub fn catalogue_json() -> serde_json::Value {
    let domains: Vec<serde_json::Value> = Domain::ALL
        .iter()
        .map(|&domain| {
            serde_json::json!({
                "domain": domain.as_str(),
                "label": {
                    "fr": domain.label(Lang::Fr),
                    "en": domain.label(Lang::En),
                },
                "indicators": indicators_in(domain)
                    .map(|i| serde_json::json!({
                        "id": i.id,
                        "label": i.label,
                        "help": i.help,
                    }))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({ "version": CATALOGUE_VERSION, "domains": domains })
}

/// An indicator id known to be in the catalogue.
///
/// It can only be obtained through [`IndicatorId::parse`], so a
/// [`crate::Facts`] value never holds an id outside the catalogue. Serialized
/// as its id string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndicatorId(&'static Indicator);

impl IndicatorId {
    /// The catalogue id, if `id` is exactly one.
    pub fn parse(id: &str) -> Option<Self> {
        indicator(id).map(Self)
    }

    /// The id string, e.g. `control.several_phones`.
    pub fn as_str(self) -> &'static str {
        self.0.id
    }

    /// The domain of the indicator.
    pub fn domain(self) -> Domain {
        self.0.domain
    }

    /// The full catalogue entry (labels and help).
    pub fn indicator(self) -> &'static Indicator {
        self.0
    }
}

impl fmt::Display for IndicatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for IndicatorId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
