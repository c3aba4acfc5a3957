//! The partner directory: each organization's public profile (services, populations,
//! languages, hours, intake contact, whether it accepts referrals), the filters that search
//! it, and the region × service view that shows where the network has gaps.
//!
//! Services and populations are closed vocabularies with stable `snake_case` codes (stored,
//! posted by forms, and the suffix of their Fluent labels `dir-service-…` and
//! `dir-population-…`). Languages are open: any 2–3 lowercase-letter code (ISO 639-1 or
//! 639-3), with names for the common ones in [`LANGUAGES`].

use serde::Serialize;
use time::OffsetDateTime;

use crate::error::{ValidationError, text_field};
use crate::ids::{OrgId, UserId};
use crate::org::Organization;
use crate::region::Region;

/// Services an organization can offer, in the order forms and the gap view show them.
pub const SERVICES: [&str; 14] = [
    "shelter",
    "health_care",
    "sexual_health",
    "mental_health",
    "addiction",
    "legal_aid",
    "immigration",
    "victim_assistance",
    "education",
    "employment",
    "cultural_community",
    "street_outreach",
    "police",
    "youth_protection",
];

/// Populations an organization serves with adapted services, in form order.
pub const POPULATIONS: [&str; 8] =
    ["street_youth", "indigenous_youth", "ethnocultural", "lgbtq_youth", "boys", "girls", "newcomers", "youth_in_care"];

/// Common languages: code, name in French, name in English. Other valid codes are accepted
/// and shown as their code.
pub const LANGUAGES: [(&str, &str, &str); 16] = [
    ("fr", "français", "French"),
    ("en", "anglais", "English"),
    ("es", "espagnol", "Spanish"),
    ("ar", "arabe", "Arabic"),
    ("ht", "créole haïtien", "Haitian Creole"),
    ("zh", "chinois", "Chinese"),
    ("pt", "portugais", "Portuguese"),
    ("vi", "vietnamien", "Vietnamese"),
    ("fa", "persan", "Persian"),
    ("ta", "tamoul", "Tamil"),
    ("uk", "ukrainien", "Ukrainian"),
    ("ru", "russe", "Russian"),
    ("iu", "inuktitut", "Inuktitut"),
    ("cr", "cri", "Cree"),
    ("moe", "innu-aimun", "Innu-aimun"),
    ("atj", "atikamekw", "Atikamekw"),
];

/// Most languages a profile may list.
pub const MAX_LANGUAGES: usize = 20;
/// Longest opening-hours text, in characters.
pub const MAX_HOURS: usize = 300;
/// Longest description, in characters.
pub const MAX_DESCRIPTION: usize = 1000;

/// The name of a language code in `lang` (`fr`, or English for anything else), or the code
/// itself when it is not one of [`LANGUAGES`].
pub fn language_name(code: &str, lang: &str) -> String {
    LANGUAGES
        .iter()
        .find(|l| l.0 == code)
        .map_or_else(|| code.to_owned(), |l| if lang == "fr" { l.1.to_owned() } else { l.2.to_owned() })
}

/// The raw values of the profile form (or the API), before validation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileForm {
    /// Service codes (each value may hold a comma-separated list).
    pub services: Vec<String>,
    /// Population codes.
    pub populations: Vec<String>,
    /// Language codes; commas and spaces separate codes inside one value.
    pub languages: Vec<String>,
    /// Opening hours, free text.
    pub hours: String,
    /// The intake desk's telephone.
    pub intake_phone: String,
    /// The intake desk's email address.
    pub intake_email: String,
    /// What the organization does, free text.
    pub description: String,
    /// Whether it accepts referrals from the network.
    pub accepts_referrals: bool,
}

/// A validated profile.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// Services offered, in [`SERVICES`] order, at least one.
    pub services: Vec<&'static str>,
    /// Populations served with adapted services, in [`POPULATIONS`] order (may be empty).
    pub populations: Vec<&'static str>,
    /// Language codes, in the order given, without duplicates, at least one.
    pub languages: Vec<String>,
    /// Opening hours (may be empty).
    pub hours: String,
    /// The intake desk's telephone, if given.
    pub intake_phone: Option<String>,
    /// The intake desk's email, if given (at least one of the two).
    pub intake_email: Option<String>,
    /// Description (may be empty).
    pub description: String,
    /// Whether the organization accepts referrals.
    pub accepts_referrals: bool,
}

/// A stored profile, with who changed it last and its version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrgProfile {
    /// The organization.
    pub org_id: OrgId,
    /// The profile.
    pub profile: Profile,
    /// Last change (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Who made it.
    pub updated_by: UserId,
    /// Version for optimistic concurrency (1 for the first save).
    pub version: i64,
}

/// A code outside its vocabulary, or a malformed language code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown or malformed code")]
pub struct BadCode;

/// Splits form values on commas and whitespace, dropping blanks.
fn split(values: &[String]) -> impl Iterator<Item = &str> {
    values.iter().flat_map(|v| v.split(|c: char| c == ',' || c.is_whitespace())).filter(|p| !p.is_empty())
}

/// Parses codes of a closed vocabulary into vocabulary order; `Err` on an unknown code.
pub fn parse_codes(values: &[String], vocabulary: &[&'static str]) -> Result<Vec<&'static str>, BadCode> {
    let mut out = Vec::new();
    for v in split(values) {
        let code = vocabulary.iter().find(|c| **c == v).ok_or(BadCode)?;
        out.push(*code);
    }
    out.sort_by_key(|c| vocabulary.iter().position(|x| x == c));
    out.dedup();
    Ok(out)
}

/// Whether `code` looks like a language code: 2 or 3 lowercase ASCII letters.
pub fn is_language_code(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase())
}

/// Parses language codes (case and surrounding spaces forgiven), in order, without duplicates.
pub fn parse_languages(values: &[String]) -> Result<Vec<String>, BadCode> {
    let mut out: Vec<String> = Vec::new();
    for v in split(values) {
        let code = v.to_ascii_lowercase();
        if !is_language_code(&code) {
            return Err(BadCode);
        }
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

/// A loose telephone check: digits with the usual separators, an optional `+` in front and an
/// extension (`poste 123`, `ext. 123`, `x123`); 7 to 20 digits in all.
pub fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let allowed = |c: char| c.is_ascii_digit() || " +-().,#/".contains(c) || c.is_ascii_alphabetic();
    let letters: String = s.chars().filter(char::is_ascii_alphabetic).collect::<String>().to_ascii_lowercase();
    let words_ok = letters.is_empty() || ["poste", "ext", "x", "p"].contains(&letters.as_str());
    (7..=20).contains(&digits) && s.chars().all(allowed) && words_ok && !s.contains("++")
}

/// A loose email check: one `@`, something before it, a dotted domain after, no spaces.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && s.chars().all(|c| !c.is_whitespace() && !c.is_control() && !"<>\"'".contains(c))
}

impl ProfileForm {
    /// Validates the form; every invalid field is reported at once.
    pub fn parse(&self) -> Result<Profile, ValidationError> {
        let mut errors = ValidationError::default();
        let services = parse_codes(&self.services, &SERVICES).unwrap_or_else(|BadCode| {
            errors.push("services", "unknown-value");
            Vec::new()
        });
        if services.is_empty() && errors.fields.is_empty() {
            errors.push("services", "required");
        }
        let populations = parse_codes(&self.populations, &POPULATIONS).unwrap_or_else(|BadCode| {
            errors.push("populations", "unknown-value");
            Vec::new()
        });
        match parse_languages(&self.languages) {
            Ok(l) if l.is_empty() => errors.push("languages", "required"),
            Ok(l) if l.len() > MAX_LANGUAGES => errors.push("languages", "too-long"),
            Ok(_) => {}
            Err(BadCode) => errors.push("languages", "invalid-language"),
        }
        let languages = parse_languages(&self.languages).unwrap_or_default();
        let hours = text_field(&mut errors, "hours", &self.hours, 0, MAX_HOURS);
        let phone = text_field(&mut errors, "intake_phone", &self.intake_phone, 0, 40);
        if !phone.is_empty() && !errors.fields.iter().any(|e| e.field == "intake_phone") && !is_phone(&phone) {
            errors.push("intake_phone", "invalid-phone");
        }
        let email = text_field(&mut errors, "intake_email", &self.intake_email, 0, 254);
        if !email.is_empty() && !errors.fields.iter().any(|e| e.field == "intake_email") && !is_email(&email) {
            errors.push("intake_email", "invalid-email");
        }
        if phone.is_empty() && email.is_empty() {
            errors.push("intake_phone", "intake-required");
        }
        let description = multiline(&mut errors, "description", &self.description, MAX_DESCRIPTION);
        errors.into_result()?;
        Ok(Profile {
            services,
            populations,
            languages,
            hours,
            intake_phone: Some(phone).filter(|p| !p.is_empty()),
            intake_email: Some(email).filter(|e| !e.is_empty()),
            description,
            accepts_referrals: self.accepts_referrals,
        })
    }
}

/// A free-text field that may hold line breaks (but no other control character).
fn multiline(errors: &mut ValidationError, field: &'static str, value: &str, max: usize) -> String {
    let trimmed = value.trim().replace("\r\n", "\n");
    if trimmed.chars().count() > max {
        errors.push(field, "too-long");
    } else if trimmed.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(field, "invalid-characters");
    }
    trimmed
}

impl Profile {
    /// The form values that would give this profile back (to fill the edit form).
    pub fn to_form(&self) -> ProfileForm {
        ProfileForm {
            services: self.services.iter().map(|s| (*s).to_owned()).collect(),
            populations: self.populations.iter().map(|s| (*s).to_owned()).collect(),
            languages: self.languages.clone(),
            hours: self.hours.clone(),
            intake_phone: self.intake_phone.clone().unwrap_or_default(),
            intake_email: self.intake_email.clone().unwrap_or_default(),
            description: self.description.clone(),
            accepts_referrals: self.accepts_referrals,
        }
    }

    /// The intake desk's telephone as a `tel:` link (main number only, `+` and digits).
    pub fn tel_href(&self) -> Option<String> {
        self.intake_phone.as_ref().map(|p| {
            // Keep the main number only: stop at an extension.
            let main = p.split(|c: char| c.is_ascii_alphabetic() || c == '#' || c == ',').next().unwrap_or(p);
            let mut out: String = main.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
            if out.len() == 10 && !out.starts_with('+') {
                out.insert_str(0, "+1");
            }
            format!("tel:{out}")
        })
    }
}

/// A search of the directory; `None` means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Serves this region.
    pub region: Option<Region>,
    /// Offers this service.
    pub service: Option<&'static str>,
    /// Serves this population.
    pub population: Option<&'static str>,
    /// Works in this language.
    pub language: Option<String>,
    /// Accepts referrals.
    pub referrals_only: bool,
}

impl Filter {
    /// Builds a filter from query values, ignoring empty ones and refusing unknown ones.
    pub fn parse(
        region: &str,
        service: &str,
        population: &str,
        language: &str,
        referrals_only: bool,
    ) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let region = match region.trim() {
            "" => None,
            r => r.parse::<Region>().map_err(|_| errors.push("region", "unknown-value")).ok(),
        };
        let mut one = |field: &'static str, value: &str, vocabulary: &[&'static str]| match value.trim() {
            "" => None,
            v => vocabulary.iter().find(|c| **c == v).copied().or_else(|| {
                errors.push(field, "unknown-value");
                None
            }),
        };
        let service = one("service", service, &SERVICES);
        let population = one("population", population, &POPULATIONS);
        let language = match language.trim().to_ascii_lowercase() {
            l if l.is_empty() => None,
            l if is_language_code(&l) => Some(l),
            _ => {
                errors.push("language", "invalid-language");
                None
            }
        };
        errors.into_result()?;
        Ok(Self { region, service, population, language, referrals_only })
    }

    /// Whether the filter asks anything of the profile (not only of the organization).
    pub fn needs_profile(&self) -> bool {
        self.service.is_some() || self.population.is_some() || self.language.is_some() || self.referrals_only
    }
}

/// Whether an organization (with its profile, if it has one) answers a search. An
/// organization without a profile answers only searches that ask nothing of a profile.
pub fn matches(org: &Organization, profile: Option<&Profile>, filter: &Filter) -> bool {
    if filter.region.is_some_and(|r| !org.regions.contains(&r)) {
        return false;
    }
    let Some(p) = profile else { return !filter.needs_profile() };
    filter.service.is_none_or(|s| p.services.contains(&s))
        && filter.population.is_none_or(|x| p.populations.contains(&x))
        && filter.language.as_ref().is_none_or(|l| p.languages.contains(l))
        && (!filter.referrals_only || p.accepts_referrals)
}

/// The gap matrix: for each region (row) and service (column), how many organizations serve
/// the region, offer the service and accept referrals. A zero is a gap.
pub fn gaps<'a, I>(entries: I, regions: &[Region], services: &[&str]) -> Vec<Vec<u32>>
where
    I: IntoIterator<Item = (&'a [Region], &'a Profile)>,
{
    let mut out = vec![vec![0_u32; services.len()]; regions.len()];
    for (served, p) in entries {
        if !p.accepts_referrals {
            continue;
        }
        for (row, region) in out.iter_mut().zip(regions) {
            if !served.contains(region) {
                continue;
            }
            for (cell, service) in row.iter_mut().zip(services) {
                if p.services.contains(service) {
                    *cell += 1;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::OrgType;

    fn form() -> ProfileForm {
        ProfileForm {
            services: vec!["legal_aid".into(), "immigration,legal_aid".into()],
            populations: vec!["newcomers".into()],
            languages: vec!["fr".into(), "EN, es".into()],
            hours: " Lundi au vendredi, 9 h à 17 h ".into(),
            intake_phone: "514 555-0142 poste 3".into(),
            intake_email: "accueil@passage.example".into(),
            description: "Conseils juridiques.\r\nSur rendez-vous.".into(),
            accepts_referrals: true,
        }
    }

    fn codes(e: &ValidationError) -> Vec<(&'static str, &'static str)> {
        e.fields.iter().map(|f| (f.field, f.code)).collect()
    }

    fn org(regions: &str) -> Organization {
        Organization {
            id: OrgId::new(),
            name: "Test".into(),
            org_type: OrgType::Community,
            regions: crate::region::parse_list(regions).unwrap_or_default(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            version: 1,
        }
    }

    #[test]
    fn vocabularies_are_stable_snake_case_and_unique() {
        for list in [&SERVICES[..], &POPULATIONS[..]] {
            for (i, c) in list.iter().enumerate() {
                assert!(c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{c}");
                assert!(!list[..i].contains(c), "{c} twice");
            }
        }
        for (code, fr, en) in LANGUAGES {
            assert!(is_language_code(code) && !fr.is_empty() && !en.is_empty(), "{code}");
        }
        assert_eq!(language_name("ht", "fr"), "créole haïtien");
        assert_eq!(language_name("ht", "en"), "Haitian Creole");
        assert_eq!(language_name("ln", "en"), "ln");
    }

    #[test]
    fn a_good_form_is_normalised() {
        let p = form().parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.services, ["legal_aid", "immigration"], "vocabulary order, no duplicates");
        assert_eq!(p.languages, ["fr", "en", "es"]);
        assert_eq!(p.hours, "Lundi au vendredi, 9 h à 17 h");
        assert_eq!(p.description, "Conseils juridiques.\nSur rendez-vous.");
        assert_eq!(p.intake_phone.as_deref(), Some("514 555-0142 poste 3"));
        assert_eq!(p.tel_href().as_deref(), Some("tel:+15145550142"));
        assert_eq!(p.to_form().parse(), Ok(p), "the form of a profile gives it back");
    }

    #[test]
    fn bad_values_are_refused_field_by_field() {
        let bad = ProfileForm {
            services: vec!["banking".into()],
            populations: vec!["adults".into()],
            languages: vec!["français".into()],
            hours: "x".repeat(MAX_HOURS + 1),
            intake_phone: "call us".into(),
            intake_email: "accueil@".into(),
            description: "y".repeat(MAX_DESCRIPTION + 1),
            accepts_referrals: false,
        };
        let e = bad.parse().err().unwrap_or_default();
        assert_eq!(
            codes(&e),
            [
                ("services", "unknown-value"),
                ("populations", "unknown-value"),
                ("languages", "invalid-language"),
                ("hours", "too-long"),
                ("intake_phone", "invalid-phone"),
                ("intake_email", "invalid-email"),
                ("description", "too-long"),
            ]
        );
        let empty = ProfileForm::default().parse().err().unwrap_or_default();
        assert_eq!(
            codes(&empty),
            [("services", "required"), ("languages", "required"), ("intake_phone", "intake-required")]
        );
        let many = ProfileForm {
            languages: vec!["aa ab ac ad ae af ag ah ai aj ak al am an ao ap aq ar as at au".into()],
            ..form()
        };
        assert_eq!(codes(&many.parse().err().unwrap_or_default()), [("languages", "too-long")]);
        let long_phone = ProfileForm { intake_phone: "1".repeat(41), ..form() };
        assert_eq!(codes(&long_phone.parse().err().unwrap_or_default()), [("intake_phone", "too-long")]);
    }

    #[test]
    fn intake_contact_is_checked_loosely() {
        for ok in ["514-555-0142", "+1 (418) 555-0199", "1 800 555-0100 ext. 12", "819.555.0101 x4", "5555555"] {
            assert!(is_phone(ok), "{ok}");
        }
        for bad in ["", "555-01", "514 555 0142 call me", "++1 514 555 0142", "123456789012345678901"] {
            assert!(!is_phone(bad), "{bad}");
        }
        for ok in ["a@b.ca", "accueil.jeunesse@cisss-exemple.qc.ca"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in ["a@b", "@b.ca", "a b@c.ca", "a@@b.ca", "a@.ca", "a@b.", "a@b..ca", "<a@b.ca>"] {
            assert!(!is_email(bad), "{bad}");
        }
        let email_only = ProfileForm { intake_phone: String::new(), ..form() };
        assert!(email_only.parse().is_ok_and(|p| p.intake_phone.is_none() && p.tel_href().is_none()));
    }

    #[test]
    fn filters_and_matching() {
        let p = form().parse().unwrap_or_else(|e| panic!("{e}"));
        let montreal = org("06");
        let f = |r: &str, s: &str, pop: &str, l: &str| Filter::parse(r, s, pop, l, false).unwrap_or_default();
        assert!(matches(&montreal, Some(&p), &f("", "", "", "")));
        assert!(matches(&montreal, Some(&p), &f("06", "immigration", "newcomers", "ES")));
        assert!(!matches(&montreal, Some(&p), &f("03", "", "", "")), "region");
        assert!(!matches(&montreal, Some(&p), &f("", "shelter", "", "")), "service");
        assert!(!matches(&montreal, Some(&p), &f("", "", "boys", "")), "population");
        assert!(!matches(&montreal, Some(&p), &f("", "", "", "ar")), "language");
        // Without a profile: found by region, never by what only a profile says.
        assert!(matches(&montreal, None, &f("06", "", "", "")));
        assert!(!matches(&montreal, None, &f("06", "legal_aid", "", "")));
        let refs = Filter::parse("", "", "", "", true).unwrap_or_default();
        assert!(matches(&montreal, Some(&p), &refs));
        let closed = Profile { accepts_referrals: false, ..p.clone() };
        assert!(!matches(&montreal, Some(&closed), &refs));

        let e = Filter::parse("18", "banking", "adults", "french", false).err().unwrap_or_default();
        assert_eq!(
            codes(&e),
            [
                ("region", "unknown-value"),
                ("service", "unknown-value"),
                ("population", "unknown-value"),
                ("language", "invalid-language")
            ]
        );
    }

    #[test]
    fn gaps_count_only_organizations_accepting_referrals() {
        let a = org("06,13");
        let b = org("06");
        let c = org("03");
        let pa = form().parse().unwrap_or_else(|e| panic!("{e}"));
        let pb = Profile { services: vec!["legal_aid", "shelter"], ..pa.clone() };
        let pc = Profile { services: vec!["shelter"], accepts_referrals: false, ..pa.clone() };
        let regions: Vec<Region> = ["03", "06", "13"].iter().filter_map(|r| r.parse().ok()).collect();
        let services = ["legal_aid", "shelter", "police"];
        let entries = [(&a.regions[..], &pa), (&b.regions[..], &pb), (&c.regions[..], &pc)];
        let m = gaps(entries, &regions, &services);
        assert_eq!(m, [vec![0, 0, 0], vec![2, 1, 0], vec![1, 0, 0]]);
    }
}
