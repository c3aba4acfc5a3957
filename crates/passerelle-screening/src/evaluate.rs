//! The rules of the contract (`shared/contracts/screening.md`, rules 1–5).

use serde::{Serialize, Serializer};

use crate::explain;
use crate::facts::Facts;
use crate::lang::Localized;
use crate::vocab::{
    Act, AgeBasis, Classification, Domain, Exploitation, Flag, ImmigrationStatus, LegalBasis, Means, PresentingContext,
    TraffickingType, Vocabulary,
};

/// Which of the three elements of the definition were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Elements {
    /// At least one act.
    pub act: bool,
    /// At least one means.
    pub means: bool,
    /// At least one kind of exploitation (the purpose).
    pub purpose: bool,
}

/// The result of [`evaluate`]. Its JSON form ([`Evaluation::to_json`], also
/// used by `Serialize`) is the contract's result document.
///
/// `exploitation`, `indicator_domains`, `flags` and `legal_basis` are sorted
/// by wire name and hold no repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The classification.
    pub classification: Classification,
    /// Whether the person is treated as a minor.
    pub minor: bool,
    /// What the minor decision rests on.
    pub age_basis: AgeBasis,
    /// The elements found.
    pub elements: Elements,
    /// `None` exactly when the classification is `not_indicated`.
    pub trafficking_type: Option<TraffickingType>,
    /// The kinds of exploitation reported.
    pub exploitation: Vec<Exploitation>,
    /// The distinct domains of the indicators observed.
    pub indicator_domains: Vec<Domain>,
    /// The actions called for.
    pub flags: Vec<Flag>,
    /// The provisions to consider (empty when `not_indicated`).
    pub legal_basis: Vec<LegalBasis>,
    /// Why the result is what it is, in plain words.
    pub explanation: Localized<String>,
    /// Concrete actions, most urgent first.
    pub next_steps: Localized<Vec<String>>,
}

impl Evaluation {
    /// The contract's result document.
    pub fn to_json(&self) -> serde_json::Value {
        fn names<T: Vocabulary>(list: &[T]) -> Vec<&'static str> {
            list.iter().map(|v| v.wire()).collect()
        }
        serde_json::json!({
            "classification": self.classification.as_str(),
            "minor": self.minor,
            "age_basis": self.age_basis.as_str(),
            "elements": {
                "act": self.elements.act,
                "means": self.elements.means,
                "purpose": self.elements.purpose,
            },
            "trafficking_type": self.trafficking_type.map(TraffickingType::as_str),
            "exploitation": names(&self.exploitation),
            "indicator_domains": names(&self.indicator_domains),
            "flags": names(&self.flags),
            "legal_basis": names(&self.legal_basis),
            "explanation": { "fr": self.explanation.fr, "en": self.explanation.en },
            "next_steps": { "fr": self.next_steps.fr, "en": self.next_steps.en },
        })
    }
}

impl Serialize for Evaluation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// Everything the rules derive from the facts, before the texts are written.
/// Shared with the explanation so that the words can never drift from the
/// decision.
#[derive(Debug)]
pub(crate) struct Findings<'f> {
    pub facts: &'f Facts,
    pub minor: bool,
    pub age_basis: AgeBasis,
    pub elements: Elements,
    pub domains: Vec<Domain>,
    pub classification: Classification,
    pub trafficking_type: Option<TraffickingType>,
    pub flags: Vec<Flag>,
    pub legal_basis: Vec<LegalBasis>,
}

impl Findings<'_> {
    pub fn context(&self, context: PresentingContext) -> bool {
        self.facts.presenting_context.contains(&context)
    }
}

/// Evaluates the facts: the common definition of child trafficking made
/// executable. Pure and deterministic: the same facts always give the same
/// result, whatever the order or repetition of list values.
pub fn evaluate(facts: &Facts) -> Evaluation {
    let findings = find(facts);
    Evaluation {
        classification: findings.classification,
        minor: findings.minor,
        age_basis: findings.age_basis,
        elements: findings.elements,
        trafficking_type: findings.trafficking_type,
        exploitation: sorted_unique(facts.exploitation.iter().copied()),
        indicator_domains: findings.domains.clone(),
        flags: findings.flags.clone(),
        legal_basis: findings.legal_basis.clone(),
        explanation: explain::explanation(&findings),
        next_steps: explain::next_steps(&findings),
    }
}

fn find(facts: &Facts) -> Findings<'_> {
    let (minor, age_basis) = age_rule(facts.age_years, facts.appears_minor);
    let elements = Elements {
        act: !facts.acts.is_empty(),
        means: !facts.means.is_empty(),
        purpose: !facts.exploitation.is_empty(),
    };
    let domains = sorted_unique(facts.indicators.iter().map(|i| i.domain()));
    let arrested = facts.presenting_context.iter().any(|c| c.is_arrest());
    let has = |c| facts.presenting_context.contains(&c);

    // Rule 2. For a child the means are not required (Palermo art. 3(c)).
    let classification = if minor {
        if elements.act && elements.purpose {
            Classification::Indicated
        } else if elements.act || elements.purpose || domains.len() >= 2 || has(PresentingContext::ArrestProstitution) {
            Classification::Possible
        } else {
            Classification::NotIndicated
        }
    } else {
        let count = [elements.act, elements.means, elements.purpose].into_iter().filter(|&e| e).count();
        if count == 3 {
            Classification::Indicated
        } else if count == 2 || domains.len() >= 2 {
            Classification::Possible
        } else {
            Classification::NotIndicated
        }
    };
    let concern = classification != Classification::NotIndicated;

    // Rule 3.
    let trafficking_type = concern.then_some(if facts.movement.crossed_canadian_border {
        TraffickingType::External
    } else {
        TraffickingType::Internal
    });

    // Rule 4.
    let mut flags = Vec::new();
    if facts.immediate_danger {
        flags.push(Flag::ImmediateDanger);
    }
    if minor && (concern || has(PresentingContext::Runaway) || has(PresentingContext::Missing)) {
        flags.push(Flag::ReportToYouthProtection);
    }
    if concern && arrested {
        flags.push(Flag::NonPunishment);
    }
    let status = facts.immigration_status;
    if concern
        && (matches!(status, ImmigrationStatus::TemporaryResident | ImmigrationStatus::NoStatus)
            || (status == ImmigrationStatus::Unknown && facts.movement.crossed_canadian_border))
    {
        flags.push(Flag::TemporaryResidentPermit);
    }

    let legal_basis = if concern { legal_basis(facts, minor, elements) } else { Vec::new() };

    Findings {
        facts,
        minor,
        age_basis,
        elements,
        domains,
        classification,
        trafficking_type,
        flags: sorted_unique(flags),
        legal_basis,
    }
}

/// Rule 1: the presumption of minority wins over a stated adult age.
fn age_rule(age_years: Option<u8>, appears_minor: bool) -> (bool, AgeBasis) {
    match age_years {
        Some(age) if age < 18 => (true, AgeBasis::Stated),
        _ if appears_minor => (true, AgeBasis::Presumed),
        Some(_) => (false, AgeBasis::Stated),
        None => (false, AgeBasis::Unknown),
    }
}

/// Rule 5, called only when the classification is not `not_indicated`.
fn legal_basis(facts: &Facts, minor: bool, elements: Elements) -> Vec<LegalBasis> {
    let mut out = Vec::new();
    let means = |m| facts.means.contains(&m);
    let exploitation = |e| facts.exploitation.contains(&e);

    let trafficking = if minor {
        (elements.act && elements.purpose).then_some(LegalBasis::Cc279_011)
    } else {
        (elements.act && elements.purpose && (elements.means || facts.fear_for_safety)).then_some(LegalBasis::Cc279_01)
    };
    if let Some(provision) = trafficking {
        out.push(provision);
        if facts.third_party_benefit {
            out.push(if minor { LegalBasis::Cc279_02_2 } else { LegalBasis::Cc279_02_1 });
        }
    }
    if means(Means::DocumentConfiscation) {
        out.push(if minor { LegalBasis::Cc279_03_2 } else { LegalBasis::Cc279_03_1 });
    }
    if minor && exploitation(Exploitation::SexualServices) {
        out.push(LegalBasis::Cc286_1_2);
        if facts.third_party_benefit {
            out.push(LegalBasis::Cc286_2_2);
        }
        let procuring = [Act::Recruited, Act::Harboured, Act::Held, Act::Concealed, Act::ControlledMovements];
        if facts.acts.iter().any(|a| procuring.contains(a)) {
            out.push(LegalBasis::Cc286_3_2);
        }
    }
    if minor && exploitation(Exploitation::SexualImages) {
        out.push(LegalBasis::Cc163_1);
    }
    let irpa_means = [Means::Abduction, Means::Fraud, Means::Deception, Means::Force, Means::Threat];
    if facts.movement.crossed_canadian_border && irpa_means.into_iter().any(means) {
        out.push(LegalBasis::Irpa118);
    }
    sorted_unique(out)
}

/// Sorted by wire name, as the contract orders its lists, without repeats.
fn sorted_unique<T: Vocabulary + PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = items.into_iter().collect();
    out.sort_by_key(|v| v.wire());
    out.dedup();
    out
}
