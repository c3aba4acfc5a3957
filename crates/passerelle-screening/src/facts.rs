//! The facts document and its strict parser.
//!
//! The parser walks the JSON tree itself instead of relying on serde's derive:
//! the contract requires the *first* offending field as an exact JSON pointer,
//! and a dropped or misread fact could change a child's outcome, so nothing is
//! ever defaulted, coerced or ignored silently.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::catalogue::{CATALOGUE_VERSION, IndicatorId};
use crate::error::{ErrorCode, FactsError};
use crate::vocab::{Act, Exploitation, ImmigrationStatus, Means, PresentingContext, Vocabulary};

/// Highest accepted `age_years`.
pub const MAX_AGE_YEARS: u8 = 120;

/// Where the person was moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Movement {
    /// The person was brought across the Canadian border.
    pub crossed_canadian_border: bool,
    /// The person was moved from place to place inside Canada.
    pub moved_within_canada: bool,
}

/// The facts gathered by the screening questionnaire: the only input of
/// [`crate::evaluate`].
///
/// Lists keep the order and repeats of the document they came from; the
/// evaluation treats them as sets. `age_years`, when built in code rather than
/// parsed, should stay within 0–[`MAX_AGE_YEARS`]: the evaluation copes with
/// any value, but [`Facts::to_json`] would then produce a document that
/// [`parse_facts`] refuses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[expect(clippy::struct_excessive_bools, reason = "the contract's facts are independent yes/no observations")]
pub struct Facts {
    /// Age as stated or documented; `None` when unknown.
    pub age_years: Option<u8>,
    /// The professional has reasons to believe the person is under 18.
    pub appears_minor: bool,
    /// Immigration status, `unknown` by default.
    pub immigration_status: ImmigrationStatus,
    /// The act element.
    pub acts: Vec<Act>,
    /// The means element.
    pub means: Vec<Means>,
    /// The purpose element.
    pub exploitation: Vec<Exploitation>,
    /// The person believes their safety, or someone else's, would be
    /// threatened if they refused (Criminal Code s. 279.04).
    pub fear_for_safety: bool,
    /// Someone else received money or another material benefit.
    pub third_party_benefit: bool,
    /// Movement of the person.
    pub movement: Movement,
    /// How the person came to the professional's attention.
    pub presenting_context: Vec<PresentingContext>,
    /// Indicators observed, from the catalogue.
    pub indicators: Vec<IndicatorId>,
    /// The person is in danger now.
    pub immediate_danger: bool,
}

/// Parses one facts document strictly.
///
/// Every key is optional, but an unknown or repeated key, a value of the
/// wrong type, a string outside its vocabulary, an age outside 0–120 or an
/// indicator outside the catalogue is refused. The error names the first
/// offending field in document order.
pub fn parse_facts(json: &str) -> Result<Facts, FactsError> {
    let node: Node = serde_json::from_str(json).map_err(|e| invalid_json(&e))?;
    Facts::from_node(&node)
}

/// [`parse_facts`] on raw bytes (an HTTP body, standard input): input that is
/// not UTF-8 is refused as `invalid_json` like any other non-JSON input.
pub fn parse_facts_bytes(json: &[u8]) -> Result<Facts, FactsError> {
    let node: Node = serde_json::from_slice(json).map_err(|e| invalid_json(&e))?;
    Facts::from_node(&node)
}

impl Facts {
    /// The canonical facts document: every key present, defaults written out.
    /// [`parse_facts`] reads it back to an equal value.
    pub fn to_json(&self) -> serde_json::Value {
        fn names<T: Vocabulary>(list: &[T]) -> Vec<&'static str> {
            list.iter().map(|v| v.wire()).collect()
        }
        serde_json::json!({
            "age_years": self.age_years,
            "appears_minor": self.appears_minor,
            "immigration_status": self.immigration_status.as_str(),
            "acts": names(&self.acts),
            "means": names(&self.means),
            "exploitation": names(&self.exploitation),
            "fear_for_safety": self.fear_for_safety,
            "third_party_benefit": self.third_party_benefit,
            "movement": {
                "crossed_canadian_border": self.movement.crossed_canadian_border,
                "moved_within_canada": self.movement.moved_within_canada,
            },
            "presenting_context": names(&self.presenting_context),
            "indicators": self.indicators.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
            "immediate_danger": self.immediate_danger,
        })
    }

    fn from_node(node: &Node) -> Result<Self, FactsError> {
        let Node::Object(entries) = node else {
            return Err(FactsError::new(
                ErrorCode::NotAnObject,
                String::new(),
                "Un document de faits doit être un objet JSON ({ … }).",
                "A facts document must be a JSON object ({ … }).",
            ));
        };
        let mut facts = Self::default();
        let mut seen = HashSet::new();
        for (key, value) in entries {
            let at = pointer("", key);
            if !seen.insert(key.as_str()) {
                return Err(duplicate(at));
            }
            match key.as_str() {
                "age_years" => facts.age_years = age(value, at)?,
                "appears_minor" => facts.appears_minor = boolean(value, at)?,
                "immigration_status" => facts.immigration_status = word(value, at)?,
                "acts" => facts.acts = words(value, &at)?,
                "means" => facts.means = words(value, &at)?,
                "exploitation" => facts.exploitation = words(value, &at)?,
                "fear_for_safety" => facts.fear_for_safety = boolean(value, at)?,
                "third_party_benefit" => facts.third_party_benefit = boolean(value, at)?,
                "movement" => facts.movement = movement(value, &at)?,
                "presenting_context" => facts.presenting_context = words(value, &at)?,
                "indicators" => facts.indicators = indicators(value, &at)?,
                "immediate_danger" => facts.immediate_danger = boolean(value, at)?,
                _ => return Err(unknown_field(at, FACTS_KEYS)),
            }
        }
        Ok(facts)
    }
}

impl Serialize for Facts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// Deserializing applies the same strict checks as [`parse_facts`]; the
/// error's text carries the code and pointer. Prefer [`parse_facts`] where the
/// structured error is needed (command line, API).
impl<'de> Deserialize<'de> for Facts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let node = Node::deserialize(deserializer)?;
        Self::from_node(&node).map_err(de::Error::custom)
    }
}

const FACTS_KEYS: &[&str] = &[
    "age_years",
    "appears_minor",
    "immigration_status",
    "acts",
    "means",
    "exploitation",
    "fear_for_safety",
    "third_party_benefit",
    "movement",
    "presenting_context",
    "indicators",
    "immediate_danger",
];

const MOVEMENT_KEYS: &[&str] = &["crossed_canadian_border", "moved_within_canada"];

/// RFC 6901 pointer to `key` under `parent`.
fn pointer(parent: &str, key: &str) -> String {
    format!("{parent}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn invalid_json(e: &serde_json::Error) -> FactsError {
    let (line, column) = (e.line(), e.column());
    FactsError::new(
        ErrorCode::InvalidJson,
        String::new(),
        format!("Le contenu n'est pas du JSON valide (ligne {line}, colonne {column})."),
        format!("The input is not valid JSON (line {line}, column {column})."),
    )
}

fn duplicate(at: String) -> FactsError {
    FactsError::new(
        ErrorCode::DuplicateField,
        at,
        "Cette clé apparaît plus d'une fois dans le même objet.",
        "This key appears more than once in the same object.",
    )
}

fn unknown_field(at: String, allowed: &[&str]) -> FactsError {
    let allowed = allowed.join(", ");
    FactsError::new(
        ErrorCode::UnknownField,
        at,
        format!("Clé inconnue : un fait hors du contrat est refusé plutôt qu'ignoré. Clés permises : {allowed}."),
        format!("Unknown key: a fact outside the contract is refused rather than ignored. Allowed keys: {allowed}."),
    )
}

/// The JSON type expected at a place, for `wrong_type` messages.
#[derive(Clone, Copy)]
enum Expected {
    Boolean,
    String,
    List,
    Object,
    Age,
}

impl Expected {
    fn describe(self) -> (&'static str, &'static str) {
        match self {
            Self::Boolean => ("un booléen (true ou false)", "a boolean (true or false)"),
            Self::String => ("une chaîne de caractères", "a string"),
            Self::List => ("une liste ([ … ])", "a list ([ … ])"),
            Self::Object => ("un objet ({ … })", "an object ({ … })"),
            Self::Age => ("un nombre entier de 0 à 120, ou null", "a whole number from 0 to 120, or null"),
        }
    }
}

fn wrong_type(at: String, expected: Expected) -> FactsError {
    let (fr, en) = expected.describe();
    FactsError::new(
        ErrorCode::WrongType,
        at,
        format!("Type de valeur incorrect : on attend {fr}."),
        format!("Wrong type of value: expected {en}."),
    )
}

fn age(node: &Node, at: String) -> Result<Option<u8>, FactsError> {
    let out_of_range = |at| {
        FactsError::new(
            ErrorCode::OutOfRange,
            at,
            format!("L'âge doit être compris entre 0 et {MAX_AGE_YEARS} ans."),
            format!("The age must be between 0 and {MAX_AGE_YEARS} years."),
        )
    };
    match *node {
        Node::Null => Ok(None),
        Node::UInt(n) => match u8::try_from(n) {
            Ok(n) if n <= MAX_AGE_YEARS => Ok(Some(n)),
            _ => Err(out_of_range(at)),
        },
        Node::NegInt => Err(out_of_range(at)),
        _ => Err(wrong_type(at, Expected::Age)),
    }
}

fn boolean(node: &Node, at: String) -> Result<bool, FactsError> {
    match *node {
        Node::Bool(b) => Ok(b),
        _ => Err(wrong_type(at, Expected::Boolean)),
    }
}

fn word<T: Vocabulary>(node: &Node, at: String) -> Result<T, FactsError> {
    let Node::Str(s) = node else {
        return Err(wrong_type(at, Expected::String));
    };
    T::VALUES.iter().copied().find(|v| v.wire() == s).ok_or_else(|| {
        let allowed = T::VALUES.iter().map(|v| v.wire()).collect::<Vec<_>>().join(", ");
        FactsError::new(
            ErrorCode::UnknownValue,
            at,
            format!("Valeur hors du vocabulaire. Valeurs permises : {allowed}."),
            format!("Value outside the vocabulary. Allowed values: {allowed}."),
        )
    })
}

fn list<'n>(node: &'n Node, at: &str) -> Result<&'n [Node], FactsError> {
    match node {
        Node::Array(items) => Ok(items),
        _ => Err(wrong_type(at.to_owned(), Expected::List)),
    }
}

fn words<T: Vocabulary>(node: &Node, at: &str) -> Result<Vec<T>, FactsError> {
    list(node, at)?.iter().enumerate().map(|(i, item)| word(item, format!("{at}/{i}"))).collect()
}

fn indicators(node: &Node, at: &str) -> Result<Vec<IndicatorId>, FactsError> {
    list(node, at)?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("{at}/{i}");
            let Node::Str(s) = item else {
                return Err(wrong_type(at, Expected::String));
            };
            IndicatorId::parse(s).ok_or_else(|| {
                FactsError::new(
                    ErrorCode::UnknownIndicator,
                    at,
                    format!(
                        "Indicateur absent du catalogue (version {CATALOGUE_VERSION}). Pour un indice que le catalogue ne décrit pas, utilisez <domaine>.other et décrivez-le dans les notes."
                    ),
                    format!(
                        "Indicator not in the catalogue (version {CATALOGUE_VERSION}). For a sign the catalogue does not describe, use <domain>.other and describe it in the notes."
                    ),
                )
            })
        })
        .collect()
}

fn movement(node: &Node, at: &str) -> Result<Movement, FactsError> {
    let Node::Object(entries) = node else {
        return Err(wrong_type(at.to_owned(), Expected::Object));
    };
    let mut movement = Movement::default();
    let mut seen = HashSet::new();
    for (key, value) in entries {
        let at = pointer(at, key);
        if !seen.insert(key.as_str()) {
            return Err(duplicate(at));
        }
        match key.as_str() {
            "crossed_canadian_border" => movement.crossed_canadian_border = boolean(value, at)?,
            "moved_within_canada" => movement.moved_within_canada = boolean(value, at)?,
            _ => return Err(unknown_field(at, MOVEMENT_KEYS)),
        }
    }
    Ok(movement)
}

/// A JSON value that keeps object keys in document order, duplicates
/// included, so that "first offending field" means first in the document and
/// repeated keys can be refused. (`serde_json::Value` keeps neither, and its
/// key order depends on a feature that any crate of the build may switch on.)
#[derive(Debug)]
enum Node {
    Null,
    Bool(bool),
    /// A negative integer.
    NegInt,
    /// A non-negative integer.
    UInt(u64),
    /// Any number written with a fraction or exponent, or too large for u64.
    Float,
    Str(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(u64::try_from(v).map_or(Node::NegInt, Node::UInt))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::UInt(v))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Float)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            entries.push((key, value));
        }
        Ok(Node::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::pointer;

    #[test]
    fn pointer_escapes_tilde_and_slash() {
        assert_eq!(pointer("", "a/b~c"), "/a~1b~0c");
        assert_eq!(pointer("/movement", "x"), "/movement/x");
        assert_eq!(pointer("", ""), "/");
    }
}
