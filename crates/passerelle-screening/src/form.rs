//! The instrument's HTML form as facts, and back.
//!
//! A posted form is a list of (field, value) pairs; checkboxes repeat their
//! field once per ticked box. [`facts_from_form`] reads such a list strictly:
//! an unknown field or a value outside the question's choices is refused,
//! never ignored, because a dropped answer could change a child's outcome.
//! Errors name the question and never repeat the submitted value, which may
//! be personal information and would end up in logs.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalogue::IndicatorId;
use crate::error::ErrorCode;
use crate::facts::{Facts, MAX_AGE_YEARS};
use crate::instrument::{Question, QuestionKind, Target, instrument};
use crate::lang::Lang;
use crate::vocab::{ImmigrationStatus, Vocabulary};

/// An answer to a [`QuestionKind::YesNo`] question. Only `yes` sets a fact:
/// the facts cannot tell "no" from "not known", and neither is a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Yes: observed or reported.
    Yes,
    /// No: the professional has reason to rule it out.
    No,
    /// Don't know (the wire name is `unknown`).
    Unknown,
}

impl Answer {
    /// The three answers, in the order a form shows them.
    pub const ALL: &'static [Self] = &[Self::Yes, Self::No, Self::Unknown];

    /// The posted value: `yes`, `no` or `unknown`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::No => "no",
            Self::Unknown => "unknown",
        }
    }

    /// The answer whose posted value is exactly `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.as_str() == s)
    }

    /// The radio-button label.
    pub const fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Yes, Lang::Fr) => "Oui",
            (Self::Yes, Lang::En) => "Yes",
            (Self::No, Lang::Fr) => "Non",
            (Self::No, Lang::En) => "No",
            (Self::Unknown, Lang::Fr) => "Je ne sais pas",
            (Self::Unknown, Lang::En) => "Don't know",
        }
    }
}

/// The verdict of the stage-1 screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage1 {
    /// Go on to the full assessment (stage 2).
    Continue,
    /// Every stage-1 question was answered "no": no concern from this screen
    /// yet. This is not a finding that the young person is not a victim;
    /// screen again when something new comes up.
    NoConcernYet,
}

impl Stage1 {
    /// The wire name: `continue` or `no_concern_yet`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Continue => "continue",
            Self::NoConcernYet => "no_concern_yet",
        }
    }

    /// A short statement of the verdict for the professional.
    pub const fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Continue, Lang::Fr) => "Poursuivre avec l'évaluation complète",
            (Self::Continue, Lang::En) => "Continue with the full assessment",
            (Self::NoConcernYet, Lang::Fr) => {
                "Aucune préoccupation pour l'instant : refaire le tri si la situation change"
            }
            (Self::NoConcernYet, Lang::En) => "No concern for now: screen again if the situation changes",
        }
    }
}

impl fmt::Display for Stage1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A posted form refused by [`facts_from_form`] or [`stage1_outcome`].
///
/// It names the question and never the submitted value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} in form field {field:?}")]
pub struct FormError {
    /// The question name, or the posted field name when it is not a question
    /// of the instrument.
    pub field: String,
    /// Why, as in the facts contract: `unknown_field` (not a question of the
    /// instrument), `unknown_value` (not one of the question's choices),
    /// `out_of_range` (an age outside 0–120), `wrong_type` (an age that is
    /// not a whole number) or `duplicate_field` (two answers to a question
    /// that takes one).
    pub code: &'static str,
}

impl FormError {
    fn new(field: &str, code: ErrorCode) -> Self {
        Self { field: field.to_owned(), code: code.as_str() }
    }

    /// A message for the professional, in `lang`.
    pub fn message(&self, lang: Lang) -> &'static str {
        let fr = lang == Lang::Fr;
        match self.code {
            "unknown_field" if fr => "Ce champ ne fait pas partie de la grille de repérage.",
            "unknown_field" => "This field is not part of the screening instrument.",
            "unknown_value" if fr => "Cette réponse ne fait pas partie des choix de la question.",
            "unknown_value" => "This answer is not one of the question's choices.",
            "out_of_range" if fr => "L'âge doit être compris entre 0 et 120 ans.",
            "out_of_range" => "The age must be between 0 and 120 years.",
            "wrong_type" if fr => "L'âge doit être un nombre entier d'années.",
            "wrong_type" => "The age must be a whole number of years.",
            "duplicate_field" if fr => "Cette question n'accepte qu'une seule réponse.",
            "duplicate_field" => "This question takes a single answer.",
            _ if fr => "Réponse refusée.",
            _ => "Answer refused.",
        }
    }
}

/// Builds facts from posted form pairs, stage 1 and stage 2 alike (HTML forms
/// repeat the field of a checkbox group once per ticked box).
///
/// - Empty values and the answers "no" and "don't know" (`unknown`) are not
///   facts; neither is `immigration_status` = `unknown`, the default.
/// - A stage-1 "yes" adds the facts of its [`crate::Question::implies`] when
///   they are not already there.
/// - Checkbox values are kept in the order posted; answers only ever add
///   facts.
///
/// The pairs must be the instrument's fields only: the caller removes its
/// own (CSRF token, notes, buttons) first. An unknown field name, a value
/// outside the question's choices, a malformed age or two answers to a
/// single-answer question is an error naming the question, never echoing the
/// value.
pub fn facts_from_form(pairs: &[(String, String)]) -> Result<Facts, FormError> {
    read(pairs).map(|form| form.facts)
}

/// The stage-1 verdict from the posted answers.
///
/// Sensitivity first: the result is [`Stage1::NoConcernYet`] only when every
/// stage-1 question was answered "no". A "yes", a "don't know" or a question
/// left unanswered anywhere gives [`Stage1::Continue`]. The pairs are checked
/// as in [`facts_from_form`] (stage-2 fields are accepted and play no part in
/// the verdict).
pub fn stage1_outcome(pairs: &[(String, String)]) -> Result<Stage1, FormError> {
    let form = read(pairs)?;
    if form.stage1.iter().all(|answer| *answer == Some(Answer::No)) {
        Ok(Stage1::NoConcernYet)
    } else {
        Ok(Stage1::Continue)
    }
}

/// The stage-2 form pairs that reproduce `facts`, to resume a draft or show
/// the form again: [`facts_from_form`] reads them back to equal facts.
///
/// Only facts are written: a yes / no question appears only when its fact is
/// true (answered `yes`), since the facts do not record "no" or "don't know";
/// the age appears when known, the immigration status when not `unknown`.
/// List values keep their order and repeats. `age_years` above 120 (possible
/// only for facts built in code) is written as is and refused on reading.
pub fn form_from_facts(facts: &Facts) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut push = |question: &Question, value: &str| pairs.push((question.name.to_owned(), value.to_owned()));
    let questions: Vec<&'static Question> = instrument().questions().filter(|q| !q.is_stage1()).collect();
    let mut indicators_written = false;
    for &question in &questions {
        match question.target {
            Target::Stage1 => {}
            Target::AgeYears => {
                if let Some(age) = facts.age_years {
                    push(question, &age.to_string());
                }
            }
            Target::ImmigrationStatus => {
                if facts.immigration_status != ImmigrationStatus::Unknown {
                    push(question, facts.immigration_status.as_str());
                }
            }
            Target::Acts => facts.acts.iter().for_each(|v| push(question, v.as_str())),
            Target::Means => facts.means.iter().for_each(|v| push(question, v.as_str())),
            Target::Exploitation => facts.exploitation.iter().for_each(|v| push(question, v.as_str())),
            Target::PresentingContext => facts.presenting_context.iter().for_each(|v| push(question, v.as_str())),
            Target::Indicators(_) => {
                // All indicators go out at the first domain question, in the
                // order of the facts, each under its own domain's question.
                if !indicators_written {
                    indicators_written = true;
                    for id in &facts.indicators {
                        let target = Target::Indicators(id.domain());
                        if let Some(owner) = questions.iter().find(|q| q.target == target) {
                            push(owner, id.as_str());
                        }
                    }
                }
            }
            Target::AppearsMinor
            | Target::FearForSafety
            | Target::ThirdPartyBenefit
            | Target::CrossedCanadianBorder
            | Target::MovedWithinCanada
            | Target::ImmediateDanger => {
                if flag(facts, question.target) {
                    push(question, Answer::Yes.as_str());
                }
            }
        }
    }
    pairs
}

/// A posted form, read.
struct Form {
    facts: Facts,
    /// The answer to each stage-1 question, in instrument order; `None` when
    /// unanswered.
    stage1: Vec<Option<Answer>>,
}

fn read(pairs: &[(String, String)]) -> Result<Form, FormError> {
    let instrument = instrument();
    let mut facts = Facts::default();
    let mut stage1 = vec![None; instrument.stage1.len()];
    let mut single_answered: Vec<&'static str> = Vec::new();
    let mut implied: Vec<&'static Question> = Vec::new();
    for (name, value) in pairs {
        let question = instrument.question(name).ok_or_else(|| FormError::new(name, ErrorCode::UnknownField))?;
        if value.is_empty() {
            continue;
        }
        if question.kind != QuestionKind::Multi {
            if single_answered.contains(&question.name) {
                return Err(FormError::new(question.name, ErrorCode::DuplicateField));
            }
            single_answered.push(question.name);
        }
        if question.is_stage1() {
            let answer = Answer::parse(value).ok_or_else(|| FormError::new(question.name, ErrorCode::UnknownValue))?;
            if let Some(slot) = instrument.stage1.iter().position(|q| q.name == question.name) {
                stage1[slot] = Some(answer);
            }
            if answer == Answer::Yes {
                implied.push(question);
            }
        } else {
            set(&mut facts, question, value, false)?;
        }
    }
    for source in implied {
        for implication in source.implies {
            // The build script checks that every implication names a stage-2
            // question and one of its answers; an error here names the
            // stage-1 question all the same.
            let refused = || FormError::new(source.name, ErrorCode::UnknownValue);
            let question = instrument.question(implication.field).filter(|q| !q.is_stage1()).ok_or_else(refused)?;
            set(&mut facts, question, implication.value, true).map_err(|_| refused())?;
        }
    }
    Ok(Form { facts, stage1 })
}

/// Records one non-empty answer to a stage-2 question. `implied` answers
/// (from stage 1) are added to a list only when not already there.
fn set(facts: &mut Facts, question: &Question, value: &str, implied: bool) -> Result<(), FormError> {
    let refuse = |code: ErrorCode| FormError::new(question.name, code);
    match question.target {
        Target::Stage1 => return Err(refuse(ErrorCode::UnknownValue)),
        Target::AgeYears => facts.age_years = Some(age(value).map_err(refuse)?),
        Target::ImmigrationStatus => facts.immigration_status = choice(question, value)?,
        Target::Acts => add(&mut facts.acts, choice(question, value)?, implied),
        Target::Means => add(&mut facts.means, choice(question, value)?, implied),
        Target::Exploitation => add(&mut facts.exploitation, choice(question, value)?, implied),
        Target::PresentingContext => add(&mut facts.presenting_context, choice(question, value)?, implied),
        Target::Indicators(domain) => {
            let id = question
                .choice(value)
                .and_then(|c| IndicatorId::parse(c.value))
                .filter(|id| id.domain() == domain)
                .ok_or_else(|| refuse(ErrorCode::UnknownValue))?;
            add(&mut facts.indicators, id, implied);
        }
        target @ (Target::AppearsMinor
        | Target::FearForSafety
        | Target::ThirdPartyBenefit
        | Target::CrossedCanadianBorder
        | Target::MovedWithinCanada
        | Target::ImmediateDanger) => {
            let answer = Answer::parse(value).ok_or_else(|| refuse(ErrorCode::UnknownValue))?;
            if let (Answer::Yes, Some(fact)) = (answer, flag_mut(facts, target)) {
                *fact = true;
            }
        }
    }
    Ok(())
}

/// The vocabulary value of one of the question's choices.
fn choice<T: Vocabulary>(question: &Question, value: &str) -> Result<T, FormError> {
    question
        .choice(value)
        .and_then(|c| T::VALUES.iter().copied().find(|v| v.wire() == c.value))
        .ok_or_else(|| FormError::new(question.name, ErrorCode::UnknownValue))
}

fn add<T: PartialEq>(list: &mut Vec<T>, item: T, implied: bool) {
    if !(implied && list.contains(&item)) {
        list.push(item);
    }
}

/// A whole number of years, 0–120, in plain ASCII digits (as a browser sends
/// a number field). A minus sign or too many digits is out of range; anything
/// else that is not digits is the wrong type.
fn age(value: &str) -> Result<u8, ErrorCode> {
    let (negative, digits) = value.strip_prefix('-').map_or((false, value), |rest| (true, rest));
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErrorCode::WrongType);
    }
    let significant = digits.trim_start_matches('0');
    if negative && !significant.is_empty() || significant.len() > 3 {
        return Err(ErrorCode::OutOfRange);
    }
    let years: u16 = if significant.is_empty() { 0 } else { significant.parse().map_err(|_| ErrorCode::WrongType)? };
    u8::try_from(years).ok().filter(|&y| y <= MAX_AGE_YEARS).ok_or(ErrorCode::OutOfRange)
}

fn flag(facts: &Facts, target: Target) -> bool {
    match target {
        Target::AppearsMinor => facts.appears_minor,
        Target::FearForSafety => facts.fear_for_safety,
        Target::ThirdPartyBenefit => facts.third_party_benefit,
        Target::CrossedCanadianBorder => facts.movement.crossed_canadian_border,
        Target::MovedWithinCanada => facts.movement.moved_within_canada,
        Target::ImmediateDanger => facts.immediate_danger,
        _ => false,
    }
}

fn flag_mut(facts: &mut Facts, target: Target) -> Option<&mut bool> {
    Some(match target {
        Target::AppearsMinor => &mut facts.appears_minor,
        Target::FearForSafety => &mut facts.fear_for_safety,
        Target::ThirdPartyBenefit => &mut facts.third_party_benefit,
        Target::CrossedCanadianBorder => &mut facts.movement.crossed_canadian_border,
        Target::MovedWithinCanada => &mut facts.movement.moved_within_canada,
        Target::ImmediateDanger => &mut facts.immediate_danger,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::age;
    use crate::error::ErrorCode;

    #[test]
    fn ages() {
        assert_eq!(age("0"), Ok(0));
        assert_eq!(age("16"), Ok(16));
        assert_eq!(age("016"), Ok(16));
        assert_eq!(age("120"), Ok(120));
        assert_eq!(age("-0"), Ok(0));
        assert_eq!(age("121"), Err(ErrorCode::OutOfRange));
        assert_eq!(age("-1"), Err(ErrorCode::OutOfRange));
        assert_eq!(age("99999999999999999999999"), Err(ErrorCode::OutOfRange));
        for bad in ["", "-", "abc", "16.5", "1e1", " 16", "16 ", "+16", "١٦", "0x10"] {
            assert_eq!(age(bad), Err(ErrorCode::WrongType), "{bad:?}");
        }
    }
}
