//! The two languages of the platform and a value held in both.

use serde::{Deserialize, Serialize};

/// A language of the platform. French comes first: it is the language of
/// Québec's public services; English is complete, never a partial fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Français (Québec).
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Both languages, French first.
    pub const ALL: [Self; 2] = [Self::Fr, Self::En];

    /// The language tag used in the result document and in URLs (`fr`, `en`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }
}

/// One value in French and in English, serialized as `{"fr": …, "en": …}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Localized<T> {
    /// The French value.
    pub fr: T,
    /// The English value.
    pub en: T,
}

impl<T> Localized<T> {
    /// The value in `lang`.
    pub const fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }
}
