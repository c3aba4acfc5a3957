//! The screening instrument: Passerelle's own bilingual questions, kept as
//! versioned data in `instrument/instrument-v1.json`.
//!
//! The form is filled in by a professional *after* contact with a young
//! person, from what they observed and were told (by the young person, family,
//! colleagues, files). It is not a questionnaire read to the child, so every
//! question asks "did you observe, or were you told, that…".
//!
//! It has two stages, following the pattern of published youth screens (a
//! very short, high-sensitivity screen, then a fuller assessment):
//!
//! - **Stage 1** ([`Instrument::stage1`]): at most six yes / no / don't know
//!   questions, named `s1_…`, tuned to miss as few victims as possible. Any
//!   answer other than an explicit "no" leads to the full assessment (see
//!   [`crate::stage1_outcome`]). A "yes" also stands for the stage-2 answers
//!   listed in [`Question::implies`], so stage 1 seeds the full assessment,
//!   where the professional confirms or corrects them:
//!
//!   | question | a "yes" stands for |
//!   | --- | --- |
//!   | `s1_danger` | `immediate_danger` |
//!   | `s1_recruited` | `acts`: `recruited` |
//!   | `s1_control` | `indicators`: `control.speaks_for_them` |
//!   | `s1_sexual_exchange` | `exploitation`: `sexual_services` |
//!   | `s1_third_party_benefit` | `third_party_benefit` |
//!   | `s1_fear` | `fear_for_safety` |
//!
//!   Age is deliberately not a stage-1 question: nearly everyone screened is
//!   a minor, so an age question under the "any yes continues" rule would
//!   send everyone on and make the screen meaningless. Age and the
//!   presumption of minority are asked in stage 2.
//! - **Stage 2** ([`Instrument::stage2`]): sections `legal.*` establish the
//!   legal elements (immediate danger, presenting situation, age and
//!   immigration status, acts, means and fear for safety, purpose and benefit
//!   to a third party, movement), one question per facts key, named after the
//!   key; sections `domain.<domain>` hold one checkbox question
//!   `indicators.<domain>` whose choices are the catalogue's indicators of that
//!   domain, `<domain>.other` included, with the catalogue's own texts.
//!
//! The build script checks the file (structure, unique names, both languages
//! present and different, every facts key and every domain covered, stage-1
//! implications pointing at real stage-2 answers, the catalogue version) and
//! compiles it into static data; choice values are compiled as calls to the
//! vocabulary enums, so a value outside the facts vocabulary does not build.
//! There is no parsing and no failure path at run time.
//!
//! Every stored screening records [`INSTRUMENT_VERSION`]: a change of wording
//! or mapping is a new version of the file.

use serde::Serialize;

use crate::lang::Localized;
use crate::vocab::{Act, Domain, Exploitation, ImmigrationStatus, Means, PresentingContext};

/// The whole instrument: both stages with their questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Instrument {
    /// The instrument version ([`INSTRUMENT_VERSION`]); store it with every
    /// screening.
    pub version: &'static str,
    /// The indicator catalogue version the instrument was written for (equal
    /// to [`crate::CATALOGUE_VERSION`]; checked at build time).
    pub catalogue_version: &'static str,
    /// What stage 1 is and how to fill it in (shown above its questions).
    pub stage1_intro: Localized<&'static str>,
    /// The short screen: at most six yes / no / don't know questions.
    pub stage1: &'static [Question],
    /// What stage 2 is and how to fill it in (shown above its sections).
    pub stage2_intro: Localized<&'static str>,
    /// The full assessment, section by section, in display order.
    pub stage2: &'static [Section],
}

impl Instrument {
    /// Every question, stage 1 first, then stage 2 in display order.
    pub fn questions(&self) -> impl Iterator<Item = &'static Question> + use<> {
        let (stage1, stage2) = (self.stage1, self.stage2);
        stage1.iter().chain(stage2.iter().flat_map(|section| section.questions))
    }

    /// The question whose form field name is exactly `name`.
    pub fn question(&self, name: &str) -> Option<&'static Question> {
        self.questions().find(|question| question.name == name)
    }
}

/// A group of stage-2 questions shown together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Section {
    /// `legal.<name>` for the legal elements, `domain.<domain>` for an
    /// indicator domain.
    pub id: &'static str,
    /// The section heading.
    pub title: Localized<&'static str>,
    /// The section's help text: what it covers and why it matters.
    pub intro: Localized<&'static str>,
    /// The questions, in display order.
    pub questions: &'static [Question],
}

/// One question of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Question {
    /// The HTML form field name: the facts key it sets (`acts`,
    /// `crossed_canadian_border`, …), `indicators.<domain>`, or `s1_<name>`
    /// for stage 1.
    pub name: &'static str,
    /// How it is answered.
    pub kind: QuestionKind,
    /// The question, addressed to the professional.
    pub text: Localized<&'static str>,
    /// What to count and how to answer.
    pub help: Localized<&'static str>,
    /// The accepted values of a [`QuestionKind::Multi`] or
    /// [`QuestionKind::Single`] question, in display order; empty for
    /// [`QuestionKind::YesNo`] (answered with [`crate::Answer`]) and
    /// [`QuestionKind::Age`].
    pub choices: &'static [Choice],
    /// For a stage-1 question, the stage-2 answers that a "yes" stands for;
    /// empty for stage-2 questions.
    pub implies: &'static [Implication],
    /// Where the answer goes in the facts.
    #[serde(skip)]
    pub(crate) target: Target,
}

impl Question {
    /// The choice whose value is exactly `value`.
    pub fn choice(&self, value: &str) -> Option<&'static Choice> {
        self.choices.iter().find(|choice| choice.value == value)
    }

    /// Whether this is a stage-1 (`s1_…`) question.
    pub fn is_stage1(&self) -> bool {
        self.target == Target::Stage1
    }

    /// The JSON pointer of the fact this stage-2 question sets (`/acts`,
    /// `/movement/crossed_canadian_border`, `/indicators`, …), to relate a
    /// [`crate::FactsError`] to a form field; `None` for stage 1, whose facts
    /// are those of [`Question::implies`].
    pub fn fact_pointer(&self) -> Option<&'static str> {
        Some(match self.target {
            Target::Stage1 => return None,
            Target::AgeYears => "/age_years",
            Target::AppearsMinor => "/appears_minor",
            Target::ImmigrationStatus => "/immigration_status",
            Target::Acts => "/acts",
            Target::Means => "/means",
            Target::Exploitation => "/exploitation",
            Target::FearForSafety => "/fear_for_safety",
            Target::ThirdPartyBenefit => "/third_party_benefit",
            Target::CrossedCanadianBorder => "/movement/crossed_canadian_border",
            Target::MovedWithinCanada => "/movement/moved_within_canada",
            Target::PresentingContext => "/presenting_context",
            Target::ImmediateDanger => "/immediate_danger",
            Target::Indicators(_) => "/indicators",
        })
    }
}

/// How a question is answered in the HTML form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Radio buttons yes / no / don't know ([`crate::Answer`]); only "yes"
    /// sets a fact.
    YesNo,
    /// Checkboxes: any number of [`Question::choices`], the field repeated
    /// once per ticked box.
    Multi,
    /// Radio buttons or a select: one of [`Question::choices`].
    Single,
    /// A whole number of years from 0 to 120, or empty when unknown.
    Age,
}

impl QuestionKind {
    /// The wire name: `yes_no`, `multi`, `single` or `age`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::YesNo => "yes_no",
            Self::Multi => "multi",
            Self::Single => "single",
            Self::Age => "age",
        }
    }
}

/// One accepted value of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// The posted value: a facts vocabulary wire name (`recruited`,
    /// `no_status`, …) or an indicator id (`control.quotas`).
    pub value: &'static str,
    /// The checkbox or option label.
    pub label: Localized<&'static str>,
    /// What the choice covers, when a label alone is not enough.
    pub help: Option<Localized<&'static str>>,
}

/// A stage-2 answer that a stage-1 "yes" stands for: the form pair
/// (`field`, `value`), e.g. (`acts`, `recruited`) or
/// (`fear_for_safety`, `yes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Implication {
    /// A stage-2 question name.
    pub field: &'static str,
    /// One of its choices, or `yes` for a yes / no question.
    pub value: &'static str,
}

/// Where a question's answer goes in the facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    /// A stage-1 question: its facts are its implications.
    Stage1,
    AgeYears,
    AppearsMinor,
    ImmigrationStatus,
    Acts,
    Means,
    Exploitation,
    FearForSafety,
    ThirdPartyBenefit,
    CrossedCanadianBorder,
    MovedWithinCanada,
    PresentingContext,
    ImmediateDanger,
    /// The indicators of one domain.
    Indicators(Domain),
}

include!(concat!(env!("OUT_DIR"), "/instrument.rs"));

/// The instrument, compiled into the program from
/// `instrument/instrument-v1.json` (no loading, no failure at run time).
pub fn instrument() -> &'static Instrument {
    &INSTRUMENT
}
