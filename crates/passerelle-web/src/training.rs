//! Training modules for professionals: lessons, a quiz with explained answers and a pass mark.
//!
//! The content is versioned data (`content/training/*.txt`, format in its `README.md`) so that
//! trainers propose changes by review, like code. Everything here is pure: parsing and
//! checking the files, grading a quiz, and deciding which required modules a person still
//! lacks. The pages ([`crate::pages::training`]) and the store only carry the results.
//!
//! A completion counts for the module's current `@version` only: raising the version is how a
//! trainer says that what a passing learner must know has changed, and everyone who is
//! required to hold the module is then asked to take it again.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::i18n::Lang;
use crate::pages::legal::{Bi, Block, ContentError, Library, Page, Section, is_id, parse_blocks};

/// The module files, in the order of the catalogue.
pub const SOURCES: [(&str, &str); 5] = [
    ("training/01-what-is-trafficking.txt", include_str!("../content/training/01-what-is-trafficking.txt")),
    ("training/02-recognising.txt", include_str!("../content/training/02-recognising.txt")),
    ("training/03-law-and-recourses.txt", include_str!("../content/training/03-law-and-recourses.txt")),
    ("training/04-trauma-informed.txt", include_str!("../content/training/04-trauma-informed.txt")),
    (
        "training/05-confidentiality-and-sharing.txt",
        include_str!("../content/training/05-confidentiality-and-sharing.txt"),
    ),
];

/// The most questions a module may have (bounds the work of grading a posted form).
pub const MAX_QUESTIONS: usize = 40;

/// The most choices a question may have.
pub const MAX_CHOICES: usize = 8;

/// One choice of a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The text.
    pub text: Bi<String>,
    /// Whether it is a right answer.
    pub correct: bool,
}

/// A quiz question.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Question {
    /// Identifier, unique in the catalogue; also the form field's name.
    pub id: String,
    /// The question.
    pub text: Bi<String>,
    /// The choices, in the order shown.
    pub choices: Vec<Choice>,
    /// Why the right answers are right and the tempting ones wrong.
    pub explain: Bi<String>,
}

impl Question {
    /// Whether more than one choice is right ("select all that apply").
    pub fn multiple(&self) -> bool {
        self.choices.iter().filter(|c| c.correct).count() > 1
    }

    /// The indexes of the right choices.
    pub fn correct(&self) -> Vec<usize> {
        self.choices.iter().enumerate().filter(|(_, c)| c.correct).map(|(i, _)| i).collect()
    }
}

/// A training module.
#[derive(Clone, Debug, Default)]
pub struct Module {
    /// Identifier, also the last part of its address.
    pub id: String,
    /// Content version; completions of older versions no longer count.
    pub version: u32,
    /// Percentage of right answers needed to pass.
    pub pass: u32,
    /// Estimated time, in minutes.
    pub minutes: u32,
    /// Title.
    pub title: Bi<String>,
    /// One sentence for the catalogue.
    pub summary: Bi<String>,
    /// The lessons, as sections (same body syntax as the legal reference).
    pub lessons: Vec<Section>,
    /// The quiz.
    pub questions: Vec<Question>,
}

impl Module {
    /// The lessons as a page, to render them with the legal reference's views.
    pub fn as_page(&self) -> Page {
        Page {
            id: self.id.clone(),
            checked: String::new(),
            sources: Vec::new(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            sections: self.lessons.clone(),
        }
    }
}

/// Every module, loaded and checked.
#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    /// The modules, in order.
    pub modules: Vec<Module>,
}

impl Catalogue {
    /// Parses the module files and checks them, with the legal reference that `see:` lines
    /// point to.
    pub fn load(sources: &[(&'static str, &str)], legal: &Library) -> Result<Self, ContentError> {
        let mut modules = Vec::new();
        for (file, src) in sources {
            modules.push(parse_module(file, src)?);
        }
        let cat = Catalogue { modules };
        let problems = cat.problems(legal);
        if problems.is_empty() {
            Ok(cat)
        } else {
            Err(ContentError { file: "training", line: 0, message: problems.join("; ") })
        }
    }

    /// The module with this id.
    pub fn module(&self, id: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.id == id)
    }

    /// Everything wrong with the catalogue, in words (empty when all is well).
    pub fn problems(&self, legal: &Library) -> Vec<String> {
        let mut out = Vec::new();
        if self.modules.is_empty() {
            out.push("no module".to_owned());
        }
        let mut ids = HashSet::new();
        for m in &self.modules {
            if !ids.insert(m.id.as_str()) {
                out.push(format!("id {} is used twice", m.id));
            }
            if m.version == 0 || m.pass == 0 || m.pass > 100 || m.minutes == 0 {
                out.push(format!("{}: @version, @pass (1-100) and @minutes are required", m.id));
            }
            for lang in Lang::ALL {
                if m.title.get(lang).is_empty() || m.summary.get(lang).is_empty() {
                    out.push(format!("{}: title or summary missing in {}", m.id, lang.code()));
                }
            }
            if m.lessons.is_empty() || m.questions.is_empty() {
                out.push(format!("{}: a module has lessons and questions", m.id));
            }
            if m.questions.len() > MAX_QUESTIONS {
                out.push(format!("{}: more than {MAX_QUESTIONS} questions", m.id));
            }
            for l in &m.lessons {
                if !ids.insert(l.id.as_str()) {
                    out.push(format!("id {} is used twice", l.id));
                }
                lesson_problems(m, l, legal, &mut out);
            }
            for q in &m.questions {
                if !ids.insert(q.id.as_str()) {
                    out.push(format!("id {} is used twice", q.id));
                }
                let at = format!("{}#{}", m.id, q.id);
                for lang in Lang::ALL {
                    if q.text.get(lang).is_empty() || q.explain.get(lang).is_empty() {
                        out.push(format!("{at}: text or explanation missing in {}", lang.code()));
                    }
                    if q.choices.iter().any(|c| c.text.get(lang).is_empty()) {
                        out.push(format!("{at}: an empty choice in {}", lang.code()));
                    }
                }
                let right = q.choices.iter().filter(|c| c.correct).count();
                if right == 0 || right == q.choices.len() || q.choices.len() > MAX_CHOICES {
                    out.push(format!("{at}: 2 to {MAX_CHOICES} choices, at least one right and one wrong"));
                }
            }
        }
        out
    }
}

fn lesson_problems(m: &Module, l: &Section, legal: &Library, out: &mut Vec<String>) {
    let at = format!("{}#{}", m.id, l.id);
    for lang in Lang::ALL {
        if l.title.get(lang).is_empty() || l.body.get(lang).is_empty() {
            out.push(format!("{at}: title or text missing in {}", lang.code()));
        }
        for b in l.body.get(lang) {
            if let Block::See(targets) = b {
                for t in targets {
                    if legal.find(t).is_none() {
                        out.push(format!("{at}: see: {t} is not in the legal reference"));
                    }
                }
            }
        }
    }
    let links = |lang| -> Vec<String> {
        l.body
            .get(lang)
            .iter()
            .filter_map(|b| match b {
                Block::See(t) => Some(t.join(" ")),
                Block::Contacts(cs) => Some(cs.iter().map(|c| c.number.as_str()).collect::<Vec<_>>().join(" ")),
                _ => None,
            })
            .collect()
    };
    if links(Lang::Fr) != links(Lang::En) {
        out.push(format!("{at}: the see: links or telephone numbers differ between the languages"));
    }
}

/// Parses one module file.
pub fn parse_module(file: &'static str, src: &str) -> Result<Module, ContentError> {
    let err = |line: usize, message: &str| ContentError { file, line, message: message.to_owned() };
    let mut m: Option<Module> = None;
    // The lesson body being read: its language, its first line, its lines.
    let mut open: Option<(Lang, usize, Vec<&str>)> = None;
    for (i, raw) in src.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end();
        if line.starts_with('#') {
            continue;
        }
        let Some(directive) = line.strip_prefix('@') else {
            if let Some((_, _, lines)) = open.as_mut() {
                lines.push(line);
            } else if !line.is_empty() {
                return Err(err(n, "text outside a @fr or @en body"));
            }
            continue;
        };
        if let Some((lang, start, lines)) = open.take() {
            close_lesson(m.as_mut(), lang, &lines).map_err(|e| err(start, &e))?;
        }
        let (key, value) = directive.split_once(' ').map_or((directive, ""), |(k, v)| (k, v.trim()));
        let lang = if key == "en" || key.rsplit('.').next() == Some("en") { Lang::En } else { Lang::Fr };
        if key == "module" {
            if m.is_some() {
                return Err(err(n, "one @module per file"));
            }
            if !is_id(value) {
                return Err(err(n, "a module id is made of a-z, 0-9 and '-'"));
            }
            m = Some(Module { id: value.to_owned(), ..Module::default() });
            continue;
        }
        let Some(module) = m.as_mut() else { return Err(err(n, "@module must come first")) };
        let number = || value.parse::<u32>().map_err(|_| err(n, "a whole number is expected"));
        match key {
            "version" => module.version = number()?,
            "pass" => module.pass = number()?,
            "minutes" => module.minutes = number()?,
            "title.fr" | "title.en" => {
                let slot = match module.lessons.last_mut() {
                    _ if !module.questions.is_empty() => return Err(err(n, "titles belong to the module or a lesson")),
                    Some(l) => &mut l.title,
                    None => &mut module.title,
                };
                set_once(slot, lang, value).map_err(|e| err(n, e))?;
            }
            "summary.fr" | "summary.en" => {
                if !module.lessons.is_empty() {
                    return Err(err(n, "the summary comes before the first lesson"));
                }
                set_once(&mut module.summary, lang, value).map_err(|e| err(n, e))?;
            }
            "lesson" => {
                if !module.questions.is_empty() {
                    return Err(err(n, "lessons come before the questions"));
                }
                if !is_id(value) {
                    return Err(err(n, "a lesson id is made of a-z, 0-9 and '-'"));
                }
                module.lessons.push(Section { id: value.to_owned(), ..Section::default() });
            }
            "fr" | "en" => {
                if module.lessons.is_empty() || !module.questions.is_empty() {
                    return Err(err(n, "a body belongs to a @lesson"));
                }
                if !value.is_empty() {
                    return Err(err(n, "the body starts on the next line"));
                }
                open = Some((lang, n, Vec::new()));
            }
            "question" => {
                if !is_id(value) {
                    return Err(err(n, "a question id is made of a-z, 0-9 and '-'"));
                }
                module.questions.push(Question { id: value.to_owned(), ..Question::default() });
            }
            "text.fr" | "text.en" | "explain.fr" | "explain.en" => {
                let Some(q) = module.questions.last_mut() else { return Err(err(n, "this belongs to a @question")) };
                let slot = if key.starts_with("text") { &mut q.text } else { &mut q.explain };
                set_once(slot, lang, value).map_err(|e| err(n, e))?;
            }
            "choice" => {
                let Some(q) = module.questions.last_mut() else { return Err(err(n, "this belongs to a @question")) };
                q.choices.push(parse_choice(value).map_err(|e| err(n, e))?);
            }
            _ => return Err(err(n, "unknown directive")),
        }
    }
    if let Some((lang, start, lines)) = open.take() {
        close_lesson(m.as_mut(), lang, &lines).map_err(|e| err(start, &e))?;
    }
    m.ok_or_else(|| err(0, "no @module"))
}

fn set_once(slot: &mut Bi<String>, lang: Lang, value: &str) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("the text goes on the same line");
    }
    let s = match lang {
        Lang::Fr => &mut slot.fr,
        Lang::En => &mut slot.en,
    };
    if !s.is_empty() {
        return Err("given twice");
    }
    value.clone_into(s);
    Ok(())
}

/// `+ texte français | English text` (right) or `- … | …` (wrong).
fn parse_choice(value: &str) -> Result<Choice, &'static str> {
    const SHAPE: &str = "a choice is '+ French | English' or '- French | English'";
    let (mark, rest) = value.split_at_checked(1).ok_or(SHAPE)?;
    let correct = match mark {
        "+" => true,
        "-" => false,
        _ => return Err(SHAPE),
    };
    let (fr, en) = rest.split_once('|').ok_or(SHAPE)?;
    let (fr, en) = (fr.trim(), en.trim());
    if fr.is_empty() || en.is_empty() || en.contains('|') || !rest.starts_with(' ') {
        return Err(SHAPE);
    }
    Ok(Choice { text: Bi { fr: fr.to_owned(), en: en.to_owned() }, correct })
}

fn close_lesson(m: Option<&mut Module>, lang: Lang, lines: &[&str]) -> Result<(), String> {
    let lesson = m.and_then(|m| m.lessons.last_mut()).ok_or("no lesson")?;
    let body = match lang {
        Lang::Fr => &mut lesson.body.fr,
        Lang::En => &mut lesson.body.en,
    };
    if !body.is_empty() {
        return Err("this lesson already has a body in this language".to_owned());
    }
    *body = parse_blocks(lines)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Grading
// ---------------------------------------------------------------------------------------------

/// A person's answers to one question and whether they are right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marked {
    /// The question's id.
    pub question: String,
    /// The indexes chosen, ascending.
    pub chosen: Vec<usize>,
    /// Whether exactly the right choices were chosen.
    pub right: bool,
}

/// The result of a quiz.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grade {
    /// Each question, in order.
    pub marked: Vec<Marked>,
    /// Questions answered right.
    pub correct: u32,
    /// Questions in the quiz.
    pub total: u32,
    /// Whether the pass mark is reached.
    pub passed: bool,
}

impl Grade {
    /// The score as a whole percentage, rounded down.
    pub fn percent(&self) -> u32 {
        (self.correct * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// Why a posted quiz cannot be graded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GradeError {
    /// Some questions have no answer (their ids, in order): the form is shown again.
    #[error("unanswered questions")]
    Unanswered(Vec<String>),
    /// A field that is not a question, a choice that does not exist, or several choices for
    /// a one-answer question: not something our form sends.
    #[error("malformed answers")]
    Malformed,
}

/// Grades posted answers (`question id` = `choice index`, repeated for several choices).
/// Fields other than question ids are ignored only when named in `ignore` (the anti-forgery
/// token); anything else is refused.
pub fn grade(module: &Module, pairs: &[(String, String)], ignore: &[&str]) -> Result<Grade, GradeError> {
    let mut chosen: Vec<Vec<usize>> = vec![Vec::new(); module.questions.len()];
    for (k, v) in pairs {
        if ignore.contains(&k.as_str()) {
            continue;
        }
        let qi = module.questions.iter().position(|q| &q.id == k).ok_or(GradeError::Malformed)?;
        let q = &module.questions[qi];
        let ci: usize = v.parse().map_err(|_| GradeError::Malformed)?;
        if ci >= q.choices.len() {
            return Err(GradeError::Malformed);
        }
        let slot = &mut chosen[qi];
        if slot.contains(&ci) {
            continue;
        }
        if !q.multiple() && !slot.is_empty() {
            return Err(GradeError::Malformed);
        }
        slot.push(ci);
    }
    let unanswered: Vec<String> =
        module.questions.iter().zip(&chosen).filter(|(_, c)| c.is_empty()).map(|(q, _)| q.id.clone()).collect();
    if !unanswered.is_empty() {
        return Err(GradeError::Unanswered(unanswered));
    }
    let marked: Vec<Marked> = module
        .questions
        .iter()
        .zip(chosen)
        .map(|(q, mut c)| {
            c.sort_unstable();
            Marked { question: q.id.clone(), right: c == q.correct(), chosen: c }
        })
        .collect();
    let correct = u32::try_from(marked.iter().filter(|m| m.right).count()).unwrap_or(0);
    let total = u32::try_from(marked.len()).unwrap_or(u32::MAX);
    Ok(Grade { marked, correct, total, passed: correct * 100 >= module.pass * total })
}

/// The modules in `required` that `completed` (module id and version passed) does not cover
/// at the module's current version, in catalogue order. A requirement naming a module that no
/// longer exists cannot be met by anyone and is ignored.
pub fn missing<'a>(catalogue: &'a Catalogue, required: &[String], completed: &[(String, u32)]) -> Vec<&'a Module> {
    catalogue
        .modules
        .iter()
        .filter(|m| required.contains(&m.id))
        .filter(|m| !completed.iter().any(|(id, v)| *id == m.id && *v == m.version))
        .collect()
}

static CATALOGUE: LazyLock<Result<Catalogue, ContentError>> = LazyLock::new(|| {
    let legal = crate::pages::legal::LIBRARY.as_ref().map_err(Clone::clone)?;
    Catalogue::load(&SOURCES, legal)
});

/// The training catalogue, loaded once.
pub fn catalogue() -> Result<&'static Catalogue, crate::error::AppError> {
    CATALOGUE.as_ref().map_err(|e| {
        tracing::error!(error = %e, "training content does not load");
        crate::error::AppError::Internal("training content")
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# a sample
@module sample
@version 2
@pass 80
@minutes 10
@title.fr Exemple
@title.en Sample
@summary.fr Un exemple.
@summary.en A sample.

@lesson s-one
@title.fr Première
@title.en First
@fr
Un paragraphe
sur deux lignes.

- un point
see: def-palermo
@en
A paragraph
on two lines.

- a point
see: def-palermo

@question s-q1
@text.fr Une seule?
@text.en Just one?
@choice - Non | No
@choice + Oui | Yes
@explain.fr Parce que.
@explain.en Because.

@question s-q2
@text.fr Plusieurs?
@text.en Several?
@choice + A | A
@choice - B | B
@choice + C | C
@explain.fr Parce que.
@explain.en Because.
";

    fn legal() -> &'static Library {
        crate::pages::legal::LIBRARY.as_ref().unwrap()
    }

    fn sample() -> Module {
        parse_module("sample", SAMPLE).unwrap()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn the_sample_parses() {
        let m = sample();
        assert_eq!((m.id.as_str(), m.version, m.pass, m.minutes), ("sample", 2, 80, 10));
        assert_eq!(m.lessons.len(), 1);
        assert_eq!(m.lessons[0].body.fr.len(), 3);
        assert_eq!(m.questions.len(), 2);
        assert!(!m.questions[0].multiple());
        assert!(m.questions[1].multiple());
        assert_eq!(m.questions[1].correct(), vec![0, 2]);
        let cat = Catalogue { modules: vec![m] };
        assert_eq!(cat.problems(legal()), Vec::<String>::new());
    }

    #[test]
    fn malformed_files_are_refused_with_their_line() {
        let cases: [(&str, usize); 8] = [
            ("@version 1\n", 1),
            ("@module Bad Id\n", 1),
            ("@module a\n@pass eighty\n", 2),
            ("@module a\n@lesson l\n@fr\ntext\n@fr\nagain\n", 5),
            ("@module a\n@question q\n@choice * x | y\n", 3),
            ("@module a\n@question q\n@choice + x y\n", 3),
            ("@module a\n@question q\n@lesson l\n", 3),
            ("@module a\nstray text\n", 2),
        ];
        for (src, line) in cases {
            let e = parse_module("t", src).unwrap_err();
            assert_eq!(e.line, line, "{src:?}: {e}");
        }
    }

    #[test]
    fn the_checks_find_what_is_wrong() {
        let mut m = sample();
        m.questions[0].choices.iter_mut().for_each(|c| c.correct = true);
        m.questions[1].explain.en.clear();
        m.lessons[0].body.en.pop();
        m.pass = 0;
        let cat = Catalogue { modules: vec![m.clone(), m] };
        let p = cat.problems(legal()).join("\n");
        for needle in
            ["at least one right and one wrong", "explanation missing in en", "differ between", "@pass", "twice"]
        {
            assert!(p.contains(needle), "{needle} not in {p}");
        }
        let bad_link = SAMPLE.replace("see: def-palermo", "see: nowhere");
        let cat = Catalogue { modules: vec![parse_module("t", &bad_link).unwrap()] };
        assert!(cat.problems(legal()).join(" ").contains("nowhere is not in the legal reference"));
    }

    #[test]
    fn grading_counts_exact_answers_only() {
        let m = sample();
        let all_right = grade(&m, &pairs(&[("csrf", "x"), ("s-q1", "1"), ("s-q2", "2"), ("s-q2", "0")]), &["csrf"]);
        let g = all_right.unwrap();
        assert_eq!((g.correct, g.total, g.percent(), g.passed), (2, 2, 100, true));
        assert_eq!(g.marked[1].chosen, vec![0, 2]);
        // One of two right choices is not right; 50 % is below 80 %.
        let g = grade(&m, &pairs(&[("s-q1", "1"), ("s-q2", "0")]), &[]).unwrap();
        assert_eq!((g.correct, g.percent(), g.passed), (1, 50, false));
        // Too many choices is not right either.
        let g = grade(&m, &pairs(&[("s-q1", "1"), ("s-q2", "0"), ("s-q2", "1"), ("s-q2", "2")]), &[]).unwrap();
        assert!(!g.marked[1].right);
    }

    #[test]
    fn the_pass_mark_is_inclusive() {
        let mut m = sample();
        m.pass = 50;
        assert!(grade(&m, &pairs(&[("s-q1", "1"), ("s-q2", "1")]), &[]).unwrap().passed);
        m.pass = 51;
        assert!(!grade(&m, &pairs(&[("s-q1", "1"), ("s-q2", "1")]), &[]).unwrap().passed);
    }

    #[test]
    fn bad_answers_are_refused() {
        let m = sample();
        assert_eq!(grade(&m, &pairs(&[("s-q1", "1")]), &[]), Err(GradeError::Unanswered(vec!["s-q2".to_owned()])));
        for bad in [
            vec![("s-q1", "7"), ("s-q2", "0")],
            vec![("s-q1", "-1"), ("s-q2", "0")],
            vec![("s-q1", "0"), ("s-q1", "1"), ("s-q2", "0")],
            vec![("other", "0"), ("s-q1", "1"), ("s-q2", "0")],
            vec![("csrf", "x"), ("s-q1", "1"), ("s-q2", "0")],
        ] {
            assert_eq!(grade(&m, &pairs(&bad), &[]), Err(GradeError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn only_the_current_version_counts() {
        let cat = Catalogue { modules: vec![sample()] };
        let req = vec!["sample".to_owned(), "gone".to_owned()];
        assert_eq!(missing(&cat, &req, &[]).len(), 1);
        assert_eq!(missing(&cat, &req, &[("sample".to_owned(), 1)]).len(), 1);
        assert!(missing(&cat, &req, &[("sample".to_owned(), 2)]).is_empty());
        assert!(missing(&cat, &[], &[]).is_empty());
    }

    #[test]
    fn the_shipped_catalogue_loads() {
        let cat = Catalogue::load(&SOURCES, legal()).unwrap();
        assert!(cat.modules.len() >= 5);
        for m in &cat.modules {
            assert!(m.questions.len() >= 5, "{}", m.id);
            assert!(m.questions.iter().any(Question::multiple), "{} has no select-all question", m.id);
            // Answering every question right passes; answering the first choice everywhere
            // must not (a quiz whose right answer is always in the same place teaches nothing).
            let right: Vec<(String, String)> = m
                .questions
                .iter()
                .flat_map(|q| q.correct().into_iter().map(move |c| (q.id.clone(), c.to_string())))
                .collect();
            assert!(grade(m, &right, &[]).unwrap().passed, "{}", m.id);
            let first: Vec<(String, String)> = m.questions.iter().map(|q| (q.id.clone(), "0".to_owned())).collect();
            assert!(!grade(m, &first, &[]).unwrap().passed, "{}: the first choice passes", m.id);
        }
    }
}
