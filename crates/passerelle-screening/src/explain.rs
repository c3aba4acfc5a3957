//! The plain-language explanation and next steps, written in French first and
//! in complete English.
//!
//! Every sentence is chosen from the findings the rules already computed, so
//! the words cannot contradict the decision.

use crate::evaluate::Findings;
use crate::lang::{Lang, Localized};
use crate::vocab::{AgeBasis, Classification, Flag, PresentingContext, TraffickingType, Vocabulary};

/// Builds a sentence pair; keeps French and English side by side in the code
/// so that neither language can be forgotten.
struct Text {
    fr: Vec<String>,
    en: Vec<String>,
}

impl Text {
    fn new() -> Self {
        Self { fr: Vec::new(), en: Vec::new() }
    }

    fn push(&mut self, fr: impl Into<String>, en: impl Into<String>) {
        self.fr.push(fr.into());
        self.en.push(en.into());
    }
}

/// The values present in `list`, once each, in vocabulary order (the order a
/// reader expects, not the order they were ticked).
fn present<T: Vocabulary + PartialEq>(list: &[T]) -> Vec<T> {
    T::VALUES.iter().copied().filter(|v| list.contains(v)).collect()
}

/// "a", "a and b", "a, b and c" (or "et" in French).
fn join(items: &[&str], lang: Lang) -> String {
    let and = match lang {
        Lang::Fr => " et ",
        Lang::En => " and ",
    };
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{}{and}{last}", init.join(", ")),
    }
}

fn labels<T: Vocabulary + PartialEq>(list: &[T], lang: Lang) -> String {
    let names: Vec<&str> = present(list).into_iter().map(|v| v.label_in(lang)).collect();
    join(&names, lang)
}

fn years_fr(age: u8) -> String {
    if age < 2 { format!("{age} an") } else { format!("{age} ans") }
}

pub(crate) fn explanation(f: &Findings<'_>) -> Localized<String> {
    let mut t = Text::new();
    age_sentence(f, &mut t);
    elements_sentence(f, &mut t);
    classification_sentence(f, &mut t);
    if !f.minor && f.elements.act && f.elements.purpose && !f.elements.means && f.facts.fear_for_safety {
        t.push(
            "Aucun moyen n'a été signalé, mais la personne craint pour sa sécurité ou celle d'une personne qu'elle connaît si elle refuse, ce que le Code criminel retient comme de l'exploitation (art. 279.04).",
            "No means was reported, but the person fears for their own safety or that of someone they know if they refuse, which the Criminal Code treats as exploitation (s. 279.04).",
        );
    }
    match f.trafficking_type {
        Some(TraffickingType::External) => t.push(
            "La personne a franchi la frontière canadienne : la situation est traitée comme de la traite transfrontalière.",
            "The person crossed the Canadian border, so the situation is treated as cross-border trafficking.",
        ),
        Some(TraffickingType::Internal) => t.push(
            "Aucun passage de la frontière canadienne n'a été signalé : la situation est traitée comme de la traite interne. Un déplacement n'est d'ailleurs pas nécessaire pour qu'il y ait traite.",
            "No crossing of the Canadian border was reported, so the situation is treated as internal trafficking; trafficking does not require any movement.",
        ),
        None => {}
    }
    if f.classification == Classification::NotIndicated && f.flags.contains(&Flag::ReportToYouthProtection) {
        t.push(
            "Cependant, la fugue ou la disparition d'une personne mineure peut compromettre sa sécurité ou son développement au sens de la Loi sur la protection de la jeunesse (art. 38.1) : un signalement à la DPJ s'impose.",
            "However, a minor who has run away or gone missing may have their security or development in danger under the Youth Protection Act (s. 38.1), so a report to the DPJ is required.",
        );
    }
    t.push(
        "Le consentement de la personne, qu'il ait été donné ou non, n'est pas un fait retenu et ne change jamais le résultat.",
        "The person's consent, given or not, is not one of the facts and never changes the result.",
    );
    t.push(
        "Ce résultat soutient le jugement professionnel ; il ne le remplace pas.",
        "This result supports the professional's judgement; it does not replace it.",
    );
    Localized { fr: t.fr.join(" "), en: t.en.join(" ") }
}

fn age_sentence(f: &Findings<'_>, t: &mut Text) {
    let age = f.facts.age_years;
    match (f.age_basis, age) {
        (AgeBasis::Stated, Some(age)) if f.minor => t.push(
            format!(
                "Âge : l'âge déclaré est de {}, soit moins de 18 ans ; la personne est mineure.",
                years_fr(age)
            ),
            format!("Age: the stated age is {age}, under 18, so the person is a minor."),
        ),
        (AgeBasis::Stated, Some(age)) => t.push(
            format!(
                "Âge : l'âge déclaré est de {} et rien n'indique que la personne soit plus jeune ; on applique donc les règles visant les personnes majeures.",
                years_fr(age)
            ),
            format!(
                "Age: the stated age is {age} and nothing suggests the person is younger, so the rules for adults apply."
            ),
        ),
        (AgeBasis::Presumed, Some(age)) => t.push(
            format!(
                "Âge : l'âge déclaré est de {}, mais il y a des raisons de croire que la personne a moins de 18 ans ; sa minorité est donc présumée et elle est traitée comme mineure tant que son âge n'est pas établi.",
                years_fr(age)
            ),
            format!(
                "Age: the stated age is {age}, but there are reasons to believe the person is under 18, so minority is presumed and the person is treated as a minor until their age is established."
            ),
        ),
        (AgeBasis::Presumed, _) => t.push(
            "Âge : l'âge est inconnu, mais il y a des raisons de croire que la personne a moins de 18 ans ; sa minorité est donc présumée et elle est traitée comme mineure tant que son âge n'est pas établi.",
            "Age: the age is not known, but there are reasons to believe the person is under 18, so minority is presumed and the person is treated as a minor until their age is established.",
        ),
        _ => t.push(
            "Âge : l'âge est inconnu et rien n'indique qu'il s'agit d'une personne mineure ; on applique donc pour l'instant les règles visant les personnes majeures. Refaites l'évaluation dès que l'âge est connu.",
            "Age: the age is not known and nothing points to a minor, so the rules for adults apply for now. Evaluate again as soon as the age is known.",
        ),
    }
}

fn elements_sentence(f: &Findings<'_>, t: &mut Text) {
    let facts = f.facts;
    let mut found = Text::new();
    let mut missing = Text::new();
    for lang in Lang::ALL {
        let (act, means, purpose) = match lang {
            Lang::Fr => ("acte", "moyen", "but d'exploitation"),
            Lang::En => ("act", "means", "exploitative purpose"),
        };
        let (found_l, missing_l) = match lang {
            Lang::Fr => (&mut found.fr, &mut missing.fr),
            Lang::En => (&mut found.en, &mut missing.en),
        };
        let mut sort = |present: bool, name: &str, detail: String| {
            if present {
                found_l.push(format!("{name} ({detail})"));
            } else {
                missing_l.push(name.to_owned());
            }
        };
        sort(f.elements.act, act, labels(&facts.acts, lang));
        sort(f.elements.means, means, labels(&facts.means, lang));
        sort(f.elements.purpose, purpose, labels(&facts.exploitation, lang));
    }
    let mut fr = Vec::new();
    let mut en = Vec::new();
    match found.fr.len() {
        0 => {
            fr.push("Aucun élément constaté : l'acte, le moyen et le but d'exploitation sont tous absents.".to_owned());
            en.push("No element found: the act, the means and the exploitative purpose are all missing.".to_owned());
        }
        n => {
            let (fr_head, en_head) = if n == 1 {
                ("Élément constaté", "Element found")
            } else {
                ("Éléments constatés", "Elements found")
            };
            fr.push(format!("{fr_head} : {}.", found.fr.join(" ; ")));
            en.push(format!("{en_head}: {}.", found.en.join("; ")));
            if !missing.fr.is_empty() {
                let fr_missing: Vec<&str> = missing.fr.iter().map(String::as_str).collect();
                let en_missing: Vec<&str> = missing.en.iter().map(String::as_str).collect();
                let (fr_head, en_head) = if missing.fr.len() == 1 {
                    ("Élément manquant", "Missing")
                } else {
                    ("Éléments manquants", "Missing")
                };
                fr.push(format!("{fr_head} : {}.", join(&fr_missing, Lang::Fr)));
                en.push(format!("{en_head}: {}.", join(&en_missing, Lang::En)));
            }
        }
    }
    t.push(fr.join(" "), en.join(" "));
}

fn classification_sentence(f: &Findings<'_>, t: &mut Text) {
    let e = f.elements;
    let domains = f.domains.len();
    match (f.minor, f.classification) {
        (true, Classification::Indicated) => t.push(
            "Pour une personne mineure, un acte accompagné d'un but d'exploitation suffit : le moyen n'est pas requis (Protocole de Palerme, art. 3 c)). La traite est donc indiquée.",
            "For a minor, an act together with an exploitative purpose is enough: the means are not required (Palermo Protocol, art. 3(c)). Trafficking is therefore indicated.",
        ),
        (true, Classification::Possible) => {
            let mut fr = Vec::new();
            let mut en = Vec::new();
            if e.act && !e.purpose {
                fr.push("un acte a été constaté, sans but d'exploitation connu pour l'instant".to_owned());
                en.push("an act was found, with no exploitative purpose known yet".to_owned());
            }
            if e.purpose && !e.act {
                fr.push("un but d'exploitation a été constaté, sans acte connu pour l'instant".to_owned());
                en.push("an exploitative purpose was found, with no act known yet".to_owned());
            }
            if domains >= 2 {
                fr.push(format!("des indices ont été observés dans {domains} domaines différents"));
                en.push(format!("indicators were observed in {domains} different domains"));
            }
            if f.context(PresentingContext::ArrestProstitution) {
                fr.push("la personne a été repérée lors d'une arrestation liée à la prostitution, ce qui, pour une personne mineure, évoque en soi une exploitation sexuelle".to_owned());
                en.push("the person came to attention through a prostitution-related arrest, which for a minor points in itself to sexual exploitation".to_owned());
            }
            let fr_r: Vec<&str> = fr.iter().map(String::as_str).collect();
            let en_r: Vec<&str> = en.iter().map(String::as_str).collect();
            t.push(
                format!(
                    "La traite est possible parce que {} ; pour qu'elle soit indiquée chez une personne mineure, il faudrait un acte et un but d'exploitation, sans égard au moyen. Une évaluation plus complète est nécessaire.",
                    join(&fr_r, Lang::Fr)
                ),
                format!(
                    "Trafficking is possible because {}; for a minor it would be indicated by an act together with an exploitative purpose, whatever the means. A fuller assessment is needed.",
                    join(&en_r, Lang::En)
                ),
            );
        }
        (true, Classification::NotIndicated) => {
            let (fr_d, en_d) = few_domains(domains);
            t.push(
                format!("Ces faits n'indiquent pas de traite : pour une personne mineure, ni acte ni but d'exploitation n'a été constaté, {fr_d} et il n'y a pas eu d'arrestation liée à la prostitution."),
                format!("These facts do not indicate trafficking: for a minor, neither an act nor an exploitative purpose was found, {en_d}, and there was no prostitution-related arrest."),
            );
            if e.means {
                t.push(
                    "Les moyens signalés ne suffisent pas à eux seuls.",
                    "The means reported are not enough on their own.",
                );
            }
        }
        (false, Classification::Indicated) => t.push(
            "Pour une personne traitée comme majeure, l'acte, le moyen et le but d'exploitation doivent tous être présents, et ils le sont. La traite est donc indiquée.",
            "For a person treated as an adult, the act, the means and the exploitative purpose must all be present, and they are. Trafficking is therefore indicated.",
        ),
        (false, Classification::Possible) => {
            let present = [e.act, e.means, e.purpose].into_iter().filter(|&x| x).count();
            let mut fr = Vec::new();
            let mut en = Vec::new();
            if present == 2 {
                fr.push("deux des trois éléments sont présents".to_owned());
                en.push("two of the three elements are present".to_owned());
            }
            if domains >= 2 {
                fr.push(format!("des indices ont été observés dans {domains} domaines différents"));
                en.push(format!("indicators were observed in {domains} different domains"));
            }
            let fr_r: Vec<&str> = fr.iter().map(String::as_str).collect();
            let en_r: Vec<&str> = en.iter().map(String::as_str).collect();
            t.push(
                format!(
                    "La traite est possible parce que {} ; pour une personne traitée comme majeure, les trois éléments sont requis pour qu'elle soit indiquée. Une évaluation plus complète est nécessaire.",
                    join(&fr_r, Lang::Fr)
                ),
                format!(
                    "Trafficking is possible because {}; for a person treated as an adult, all three elements are required for it to be indicated. A fuller assessment is needed.",
                    join(&en_r, Lang::En)
                ),
            );
        }
        (false, Classification::NotIndicated) => {
            let (fr_d, en_d) = few_domains(domains);
            t.push(
                format!("Ces faits n'indiquent pas de traite : pour une personne traitée comme majeure, moins de deux des trois éléments ont été constatés et {fr_d}."),
                format!("These facts do not indicate trafficking: for a person treated as an adult, fewer than two of the three elements were found and {en_d}."),
            );
        }
    }
}

/// Why indicators did not raise the concern (fewer than two domains).
fn few_domains(domains: usize) -> (&'static str, &'static str) {
    if domains == 0 {
        ("aucun indice n'a été observé", "no indicator was observed")
    } else {
        ("les indices observés ne touchent qu'un seul domaine", "the indicators observed cover a single domain")
    }
}

pub(crate) fn next_steps(f: &Findings<'_>) -> Localized<Vec<String>> {
    let mut t = Text::new();
    let flag = |x| f.flags.contains(&x);
    if flag(Flag::ImmediateDanger) {
        t.push(
            "Composez le 911 immédiatement : la personne est en danger en ce moment. Restez auprès d'elle si vous pouvez le faire sans risque.",
            "Call 911 now: the person is in danger right now. Stay with them if you can do so safely.",
        );
    }
    if flag(Flag::ReportToYouthProtection) {
        t.push(
            "Faites sans délai un signalement à la DPJ (directeur ou directrice de la protection de la jeunesse) de votre région : la Loi sur la protection de la jeunesse (art. 38, 38.1 et 39) rend ce signalement obligatoire. La personne qui signale de bonne foi est protégée et son identité demeure confidentielle.",
            "Report the situation without delay to the Director of Youth Protection (DPJ) of your region: the Youth Protection Act (ss. 38, 38.1 and 39) makes this report mandatory. A person who reports in good faith is protected and their identity is kept confidential.",
        );
    }
    if flag(Flag::NonPunishment) {
        t.push(
            "Traitez la personne comme une victime possible et non comme une contrevenante ou un contrevenant : évitez toute accusation, détention ou mesure liée à la situation tant que celle-ci n'a pas été examinée.",
            "Treat the person as a possible victim, not as an offender: avoid any charge, detention or other measure connected to the situation until it has been reviewed.",
        );
    }
    if flag(Flag::TemporaryResidentPermit) {
        t.push(
            "Informez la personne de l'existence du permis de séjour temporaire (PST) destiné aux victimes de la traite de personnes (Immigration, Réfugiés et Citoyenneté Canada) : il procure un statut légal, une couverture de soins de santé et l'accès aux permis de travail et d'études, sans obligation de témoigner contre le trafiquant.",
            "Inform the person about the temporary resident permit (TRP) for victims of human trafficking (Immigration, Refugees and Citizenship Canada): it provides legal status, health coverage and access to work and study permits, without any obligation to testify against the trafficker.",
        );
    }
    match f.classification {
        Classification::Indicated | Classification::Possible => {
            t.push(
                "Appelez la Ligne d'urgence canadienne contre la traite des personnes au 1-833-900-1010 (24 heures sur 24, 7 jours sur 7, confidentielle, plus de 200 langues) pour obtenir des conseils et une orientation vers les services de la région.",
                "Call the Canadian Human Trafficking Hotline at 1-833-900-1010 (24/7, confidential, more than 200 languages) for advice and referral to services in the area.",
            );
            if f.classification == Classification::Indicated {
                t.push(
                    "Consignez les faits observés, si possible dans les mots de la personne, et évitez de lui faire répéter son récit : l'entrevue détaillée relève des services spécialisés.",
                    "Write down the facts observed, in the person's own words where possible, and avoid making them repeat their story: the detailed interview belongs to specialized services.",
                );
            } else {
                t.push(
                    "Poursuivez l'évaluation avec délicatesse, sans interroger la personne : rassemblez vos observations et celles des partenaires, et refaites le dépistage à mesure que de nouveaux faits apparaissent.",
                    "Continue the assessment with care, without questioning the person insistently: bring together your observations and those of partners, and screen again as new facts emerge.",
                );
            }
        }
        Classification::NotIndicated => t.push(
            "Consignez vos observations, restez à l'affût de nouveaux signes et refaites le dépistage si de nouveaux faits apparaissent.",
            "Document what you observed, stay alert to new signs, and screen again if new facts come to light.",
        ),
    }
    Localized { fr: t.fr, en: t.en }
}
