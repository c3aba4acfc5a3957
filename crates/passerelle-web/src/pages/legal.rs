//! The legal reference for professionals: one page per topic, a French–English glossary, and
//! a simple search, in both languages.
//!
//! The texts are versioned data files under `content/` (their format is described in
//! `content/README.md`), embedded in the binary and checked when loaded and by tests: both
//! languages everywhere, unique anchors, cross-references that resolve, the same telephone
//! numbers in French and in English, and each legal page closing with what it means in
//! practice. The same loader serves the public pages ([`super::public`]).

use std::collections::HashSet;
use std::sync::LazyLock;

use askama::Template;
use axum::extract::{Path, RawQuery};

use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use crate::pages::render;

/// The legal pages, in the order of the index.
pub const SOURCES: [(&str, &str); 9] = [
    ("legal/01-definition.txt", include_str!("../../content/legal/01-definition.txt")),
    ("legal/02-criminal-code.txt", include_str!("../../content/legal/02-criminal-code.txt")),
    ("legal/03-irpa.txt", include_str!("../../content/legal/03-irpa.txt")),
    ("legal/04-temporary-resident-permit.txt", include_str!("../../content/legal/04-temporary-resident-permit.txt")),
    ("legal/05-youth-protection.txt", include_str!("../../content/legal/05-youth-protection.txt")),
    ("legal/06-civil-code.txt", include_str!("../../content/legal/06-civil-code.txt")),
    ("legal/07-privacy.txt", include_str!("../../content/legal/07-privacy.txt")),
    ("legal/08-non-punishment.txt", include_str!("../../content/legal/08-non-punishment.txt")),
    ("legal/09-victim-support.txt", include_str!("../../content/legal/09-victim-support.txt")),
];

/// The glossary: `French | English | note in French | note in English`, one term a line.
pub const GLOSSARY_SOURCE: (&str, &str) = ("legal/glossary.txt", include_str!("../../content/legal/glossary.txt"));

/// Where the legal reference lives.
pub const BASE: &str = "/legal";

/// The longest search query we look at (characters).
const MAX_QUERY: usize = 100;

/// The most search results shown.
const MAX_HITS: usize = 60;

// ---------------------------------------------------------------------------------------------
// Content model
// ---------------------------------------------------------------------------------------------

/// A value in both languages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bi<T> {
    /// French.
    pub fr: T,
    /// English.
    pub en: T,
}

impl<T> Bi<T> {
    /// The value in `lang`.
    pub fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }

    fn get_mut(&mut self, lang: Lang) -> &mut T {
        match lang {
            Lang::Fr => &mut self.fr,
            Lang::En => &mut self.en,
        }
    }
}

/// A block of a section's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A paragraph.
    Para(String),
    /// A bulleted list.
    List(Vec<String>),
    /// Telephone numbers, each with what it is for.
    Contacts(Vec<Contact>),
    /// Links to other sections or pages, by id.
    See(Vec<String>),
}

/// A telephone number and what it is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// The number as shown (`1-833-900-1010`).
    pub number: String,
    /// What it is for.
    pub text: String,
}

impl Contact {
    /// The `tel:` target: `+1` and ten digits for a North American number, else the digits.
    pub fn tel(&self) -> String {
        let digits: String = self.number.chars().filter(char::is_ascii_digit).collect();
        match digits.len() {
            11 if digits.starts_with('1') => format!("+{digits}"),
            10 => format!("+1{digits}"),
            _ => digits,
        }
    }
}

/// A section of a page; its id is the HTML anchor.
#[derive(Clone, Debug, Default)]
pub struct Section {
    /// The anchor, unique in its library.
    pub id: String,
    /// The closing "what it means for you in practice" section (its title is a UI string).
    pub practice: bool,
    /// The title (empty for the practice section).
    pub title: Bi<String>,
    /// The body.
    pub body: Bi<Vec<Block>>,
}

/// Where a page's facts come from: the official text to check them against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    /// What it is (`Criminal Code, R.S.C. 1985, c. C-46`).
    pub label: Bi<String>,
    /// Its official address in each language (`https://…`), or empty.
    pub url: Bi<String>,
}

/// A page.
#[derive(Clone, Debug, Default)]
pub struct Page {
    /// The id, which is also the last part of its address.
    pub id: String,
    /// When the facts were last checked (`YYYY-MM-DD`).
    pub checked: String,
    /// The sources of the facts (legal pages name at least one).
    pub sources: Vec<Source>,
    /// The title.
    pub title: Bi<String>,
    /// One sentence for the index.
    pub summary: Bi<String>,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

/// A glossary entry.
#[derive(Clone, Debug)]
pub struct Term {
    /// The French term.
    pub fr: String,
    /// The English term.
    pub en: String,
    /// A short explanation.
    pub note: Bi<String>,
}

impl Term {
    /// The term in `lang`.
    pub fn term(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }

    /// Its anchor on the glossary page, from the French term.
    pub fn anchor(&self) -> String {
        let mut out = String::from("term");
        let mut dash = true;
        for c in fold_str(&self.fr).chars() {
            if c.is_ascii_alphanumeric() {
                if dash {
                    out.push('-');
                }
                out.push(c);
                dash = false;
            } else {
                dash = true;
            }
        }
        out
    }
}

/// Pages and glossary, loaded and checked.
#[derive(Clone, Debug, Default)]
pub struct Library {
    /// The pages, in order.
    pub pages: Vec<Page>,
    /// The glossary (empty for the public pages).
    pub glossary: Vec<Term>,
}

/// A content file that does not parse or does not pass the checks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ContentError {
    /// The file.
    pub file: &'static str,
    /// The line (1-based; 0 for problems of the whole library).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

impl Library {
    /// Parses the page files (and the glossary, when given) and checks the whole. With
    /// `require_practice`, every page must end with its practice section.
    pub fn load(
        sources: &[(&'static str, &str)],
        glossary: Option<(&'static str, &str)>,
        require_practice: bool,
    ) -> Result<Self, ContentError> {
        let mut lib = Library::default();
        for (file, src) in sources {
            lib.pages.extend(parse_pages(file, src)?);
        }
        if let Some((file, src)) = glossary {
            lib.glossary = parse_glossary(file, src)?;
        }
        let problems = lib.problems(require_practice);
        if problems.is_empty() {
            Ok(lib)
        } else {
            Err(ContentError { file: "content", line: 0, message: problems.join("; ") })
        }
    }

    /// The page with this id.
    pub fn page(&self, id: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.id == id)
    }

    /// The page and, for a section id, the section that `id` names.
    pub fn find(&self, id: &str) -> Option<(&Page, Option<&Section>)> {
        self.pages.iter().find_map(|p| {
            if p.id == id { Some((p, None)) } else { p.sections.iter().find(|s| s.id == id).map(|s| (p, Some(s))) }
        })
    }

    /// The oldest date on which a page's facts were checked.
    pub fn checked(&self) -> &str {
        self.pages.iter().map(|p| p.checked.as_str()).min().unwrap_or("")
    }

    /// Everything wrong with the content, in words (empty when all is well).
    pub fn problems(&self, require_practice: bool) -> Vec<String> {
        let mut out = Vec::new();
        if self.pages.is_empty() {
            out.push("no page".to_owned());
        }
        let mut ids = HashSet::new();
        for page in &self.pages {
            if !ids.insert(page.id.as_str()) {
                out.push(format!("id {} is used twice", page.id));
            }
            if !is_date(&page.checked) {
                out.push(format!("{}: @checked must be a date YYYY-MM-DD", page.id));
            }
            if require_practice && page.sources.is_empty() {
                out.push(format!("{}: a legal page names its @source", page.id));
            }
            for lang in Lang::ALL {
                if page.title.get(lang).is_empty() || page.summary.get(lang).is_empty() {
                    out.push(format!("{}: title or summary missing in {}", page.id, lang.code()));
                }
            }
            if page.sections.is_empty() {
                out.push(format!("{}: no section", page.id));
            }
            let practices = page.sections.iter().filter(|s| s.practice).count();
            if require_practice && (practices != 1 || !page.sections.last().is_some_and(|s| s.practice)) {
                out.push(format!("{}: must end with one @practice section", page.id));
            }
            if !require_practice && practices > 0 {
                out.push(format!("{}: @practice is for legal pages", page.id));
            }
            for s in &page.sections {
                if !ids.insert(s.id.as_str()) {
                    out.push(format!("id {} is used twice", s.id));
                }
                self.section_problems(page, s, &mut out);
            }
        }
        let mut anchors = HashSet::new();
        for t in &self.glossary {
            if !anchors.insert(t.anchor()) {
                out.push(format!("glossary: {} twice", t.fr));
            }
        }
        out
    }

    fn section_problems(&self, page: &Page, s: &Section, out: &mut Vec<String>) {
        let at = format!("{}#{}", page.id, s.id);
        for lang in Lang::ALL {
            let title = s.title.get(lang);
            if s.practice != title.is_empty() {
                out.push(format!("{at}: a section has a title in each language, the practice section none"));
            }
            let body = s.body.get(lang);
            if body.is_empty() {
                out.push(format!("{at}: no {} text", lang.code()));
            }
            for b in body {
                let empty = match b {
                    Block::Para(t) => t.is_empty(),
                    Block::List(items) => items.is_empty() || items.iter().any(String::is_empty),
                    Block::Contacts(cs) => cs.is_empty() || cs.iter().any(|c| c.text.is_empty()),
                    Block::See(targets) => targets.is_empty(),
                };
                if empty {
                    out.push(format!("{at}: an empty block in {}", lang.code()));
                }
                if let Block::See(targets) = b {
                    for t in targets {
                        if self.find(t).is_none() {
                            out.push(format!("{at}: see: {t} does not exist"));
                        }
                    }
                }
            }
        }
        let numbers = |lang| -> Vec<String> {
            s.body
                .get(lang)
                .iter()
                .filter_map(|b| if let Block::Contacts(cs) = b { Some(cs) } else { None })
                .flatten()
                .map(|c| c.number.clone())
                .collect()
        };
        if numbers(Lang::Fr) != numbers(Lang::En) {
            out.push(format!("{at}: the telephone numbers differ between the languages"));
        }
        let sees = |lang| -> Vec<&Vec<String>> {
            s.body.get(lang).iter().filter_map(|b| if let Block::See(t) = b { Some(t) } else { None }).collect()
        };
        if sees(Lang::Fr) != sees(Lang::En) {
            out.push(format!("{at}: the see: links differ between the languages"));
        }
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

pub(crate) fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Parses one page file (format in `content/README.md`).
pub fn parse_pages(file: &'static str, src: &str) -> Result<Vec<Page>, ContentError> {
    let err = |line: usize, message: &str| ContentError { file, line, message: message.to_owned() };
    let mut pages: Vec<Page> = Vec::new();
    // The body being read: its language, its first line, its lines.
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
            close_body(&mut pages, lang, &lines).map_err(|m| err(start, &m))?;
        }
        let (key, value) = directive.split_once(' ').map_or((directive, ""), |(k, v)| (k, v.trim()));
        let lang = match key.rsplit('.').next() {
            Some("en") => Lang::En,
            _ => Lang::Fr,
        };
        if key == "page" {
            if !is_id(value) {
                return Err(err(n, "a page id is made of a-z, 0-9 and '-'"));
            }
            pages.push(Page { id: value.to_owned(), ..Page::default() });
            continue;
        }
        let Some(page) = pages.last_mut() else { return Err(err(n, "@page must come first")) };
        match key {
            "checked" => value.clone_into(&mut page.checked),
            "source" => page.sources.push(parse_source(value).map_err(|m| err(n, m))?),
            "title.fr" | "title.en" | "summary.fr" | "summary.en" => {
                let slot = match (key.starts_with("title"), page.sections.last_mut()) {
                    (true, Some(s)) => &mut s.title,
                    (true, None) => &mut page.title,
                    (false, None) => &mut page.summary,
                    (false, Some(_)) => return Err(err(n, "the summary comes before the first section")),
                };
                if !slot.get(lang).is_empty() {
                    return Err(err(n, "given twice"));
                }
                value.clone_into(slot.get_mut(lang));
            }
            "section" => {
                if !is_id(value) {
                    return Err(err(n, "a section id is made of a-z, 0-9 and '-'"));
                }
                page.sections.push(Section { id: value.to_owned(), ..Section::default() });
            }
            "practice" => {
                let id = format!("{}-practice", page.id);
                page.sections.push(Section { id, practice: true, ..Section::default() });
            }
            "fr" | "en" => {
                if page.sections.is_empty() {
                    return Err(err(n, "a body belongs to a @section or @practice"));
                }
                if !value.is_empty() {
                    return Err(err(n, "the body starts on the next line"));
                }
                open = Some((lang, n, Vec::new()));
            }
            _ => return Err(err(n, "unknown directive")),
        }
    }
    if let Some((lang, start, lines)) = open.take() {
        close_body(&mut pages, lang, &lines).map_err(|m| err(start, &m))?;
    }
    Ok(pages)
}

/// `label fr | label en` or `label fr | label en | https://… fr | https://… en`.
fn parse_source(value: &str) -> Result<Source, &'static str> {
    const SHAPE: &str = "a source is 'label fr | label en' with, optionally, ' | https://… | https://…'";
    let parts: Vec<&str> = value.split('|').map(str::trim).collect();
    let (fr, en, url_fr, url_en) = match parts.as_slice() {
        [fr, en] => (fr, en, &"", &""),
        [fr, en, uf, ue] if uf.starts_with("https://") && ue.starts_with("https://") => (fr, en, uf, ue),
        _ => return Err(SHAPE),
    };
    if fr.is_empty() || en.is_empty() {
        return Err(SHAPE);
    }
    let s = |x: &&str| (*x).to_owned();
    Ok(Source { label: Bi { fr: s(fr), en: s(en) }, url: Bi { fr: s(url_fr), en: s(url_en) } })
}

fn close_body(pages: &mut [Page], lang: Lang, lines: &[&str]) -> Result<(), String> {
    let section = pages.last_mut().and_then(|p| p.sections.last_mut()).ok_or("no section")?;
    let body = section.body.get_mut(lang);
    if !body.is_empty() {
        return Err("this section already has a body in this language".to_owned());
    }
    *body = parse_blocks(lines)?;
    Ok(())
}

/// Paragraphs (lines up to a blank line), lists (`- `), telephone lines (`tel: number | text`)
/// and links (`see: id id`). An indented line continues the list item or telephone line above.
pub(crate) fn parse_blocks(lines: &[&str]) -> Result<Vec<Block>, String> {
    #[derive(PartialEq)]
    enum Open {
        Nothing,
        Para,
        Item,
    }
    let mut blocks: Vec<Block> = Vec::new();
    let mut open = Open::Nothing;
    for line in lines {
        let text = line.trim();
        if text.is_empty() {
            open = Open::Nothing;
        } else if let Some(item) = line.strip_prefix("- ") {
            if let (Open::Item, Some(Block::List(items))) = (&open, blocks.last_mut()) {
                items.push(item.trim().to_owned());
            } else {
                blocks.push(Block::List(vec![item.trim().to_owned()]));
            }
            open = Open::Item;
        } else if let Some(rest) = line.strip_prefix("tel: ") {
            let (number, what) = rest.split_once('|').ok_or("a telephone line is 'tel: number | text'")?;
            let number = number.trim();
            let digits = number.chars().filter(char::is_ascii_digit).count();
            if digits < 3 || !number.chars().all(|c| c.is_ascii_digit() || c == '-') {
                return Err(format!("{number} is not a telephone number"));
            }
            let contact = Contact { number: number.to_owned(), text: what.trim().to_owned() };
            if let (Open::Item, Some(Block::Contacts(cs))) = (&open, blocks.last_mut()) {
                cs.push(contact);
            } else {
                blocks.push(Block::Contacts(vec![contact]));
            }
            open = Open::Item;
        } else if let Some(rest) = line.strip_prefix("see: ") {
            blocks.push(Block::See(rest.split_whitespace().map(str::to_owned).collect()));
            open = Open::Nothing;
        } else if line.starts_with(' ') && open == Open::Item {
            match blocks.last_mut() {
                Some(Block::List(items)) => append(items.last_mut(), text),
                Some(Block::Contacts(cs)) => append(cs.last_mut().map(|c| &mut c.text), text),
                _ => {}
            }
        } else if let (Open::Para, Some(Block::Para(p))) = (&open, blocks.last_mut()) {
            append(Some(p), text);
        } else {
            blocks.push(Block::Para(text.to_owned()));
            open = Open::Para;
        }
    }
    Ok(blocks)
}

fn append(to: Option<&mut String>, text: &str) {
    if let Some(s) = to {
        s.push(' ');
        s.push_str(text);
    }
}

/// Parses the glossary: `French | English | note in French | note in English`.
pub fn parse_glossary(file: &'static str, src: &str) -> Result<Vec<Term>, ContentError> {
    let mut out = Vec::new();
    for (i, line) in src.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let [fr, en, note_fr, note_en] = parts.as_slice() else {
            return Err(ContentError { file, line: i + 1, message: "four fields separated by '|'".to_owned() });
        };
        if [fr, en, note_fr, note_en].iter().any(|s| s.is_empty()) {
            return Err(ContentError { file, line: i + 1, message: "an empty field".to_owned() });
        }
        out.push(Term {
            fr: (*fr).to_owned(),
            en: (*en).to_owned(),
            note: Bi { fr: (*note_fr).to_owned(), en: (*note_en).to_owned() },
        });
    }
    Ok(out)
}

pub(crate) static LIBRARY: LazyLock<Result<Library, ContentError>> =
    LazyLock::new(|| Library::load(&SOURCES, Some(GLOSSARY_SOURCE), true));

/// The legal reference, loaded once.
pub fn library() -> Result<&'static Library, AppError> {
    LIBRARY.as_ref().map_err(|e| {
        tracing::error!(error = %e, "legal content does not load");
        AppError::Internal("legal content")
    })
}

// ---------------------------------------------------------------------------------------------
// Anchors for other pages
// ---------------------------------------------------------------------------------------------

/// The address of the legal reference's explanation of a provision, from an evaluation
/// reference such as `CC 279.011`, `CC 279.02(2)`, `CC 286.1(2)`, `CC 163.1` or `IRPA 118`:
/// for example `/legal/criminal-code#cc-279-011`. A subsection leads to its section. Also
/// understood: `LIPR`, `LPJ`/`YPA` and `CCQ` references (`LPJ 38.1`, `CCQ 14`). `None` when
/// the reference has no section in the reference.
pub fn legal_anchor(reference: &str) -> Option<String> {
    let id = anchor_id(reference)?;
    let lib = LIBRARY.as_ref().ok()?;
    match lib.find(&id)? {
        (page, Some(_)) => Some(format!("{BASE}/{}#{id}", page.id)),
        (_, None) => None,
    }
}

/// `CC 279.02(2)` → `cc-279-02`.
fn anchor_id(reference: &str) -> Option<String> {
    let mut parts = reference.split_whitespace();
    let (code, number) = (parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let prefix = match code.to_ascii_uppercase().as_str() {
        "CC" => "cc",
        "IRPA" | "LIPR" => "irpa",
        "LPJ" | "YPA" => "lpj",
        "CCQ" => "ccq",
        _ => return None,
    };
    let section = number.split('(').next().unwrap_or_default().trim_end_matches('.');
    if section.is_empty() || section.starts_with('.') || !section.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    Some(format!("{prefix}-{}", section.replace('.', "-")))
}

// ---------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------

/// Text folded for comparison: lower case, without accents, with plain apostrophes, spaces
/// and hyphens; `origin[i]` is the byte offset of the original character that gave `chars[i]`.
struct Folded {
    chars: Vec<char>,
    origin: Vec<usize>,
}

fn fold(text: &str) -> Folded {
    let mut chars = Vec::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        for l in c.to_lowercase() {
            let mapped: &[char] = match l {
                'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => &['a'],
                'ç' => &['c'],
                'è' | 'é' | 'ê' | 'ë' => &['e'],
                'ì' | 'í' | 'î' | 'ï' => &['i'],
                'ñ' => &['n'],
                'ò' | 'ó' | 'ô' | 'õ' | 'ö' => &['o'],
                'ù' | 'ú' | 'û' | 'ü' => &['u'],
                'ý' | 'ÿ' => &['y'],
                'œ' => &['o', 'e'],
                'æ' => &['a', 'e'],
                '’' | '‘' | 'ʼ' | '`' => &['\''],
                '«' | '»' | '“' | '”' => &['"'],
                '\u{a0}' | '\u{202f}' | '\t' | '\n' => &[' '],
                '‐' | '‑' | '–' | '—' => &['-'],
                // Combining accents typed separately.
                '\u{300}'..='\u{36f}' => &[],
                other => {
                    chars.push(other);
                    origin.push(at);
                    continue;
                }
            };
            for m in mapped {
                chars.push(*m);
                origin.push(at);
            }
        }
    }
    Folded { chars, origin }
}

/// `text` folded for comparison (see [`fold`]).
fn fold_str(text: &str) -> String {
    fold(text).chars.into_iter().collect()
}

fn position(hay: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether `text` contains the folded `needle`.
fn contains(text: &str, needle: &[char]) -> bool {
    position(&fold(text).chars, needle).is_some()
}

/// One search result.
#[derive(Clone, Debug)]
pub struct Hit {
    /// Where it is.
    pub href: String,
    /// The page's title.
    pub page: String,
    /// The section's title, for a hit in a section.
    pub section: Option<String>,
    /// The excerpt before the match.
    pub before: String,
    /// The matched text, as written (empty when the match is in a title only).
    pub mark: String,
    /// The excerpt after the match.
    pub after: String,
}

/// An excerpt of `text` around the first match of `needle`, or its beginning.
fn excerpt(text: &str, needle: &[char]) -> (String, String, String) {
    let folded = fold(text);
    let Some(i) = position(&folded.chars, needle) else {
        return (String::new(), String::new(), head(text, 180));
    };
    let start = folded.origin[i];
    let last = folded.origin[i + needle.len() - 1];
    let end = last + text[last..].chars().next().map_or(0, char::len_utf8);
    (tail(&text[..start], 70), text[start..end].to_owned(), head(&text[end..], 130))
}

/// The last `n` characters of `s`, starting at a word.
fn tail(s: &str, n: usize) -> String {
    let count = s.chars().count();
    if count <= n {
        return s.to_owned();
    }
    let cut: String = s.chars().skip(count - n).collect();
    let cut = cut.split_once(' ').map_or(cut.as_str(), |(_, rest)| rest);
    format!("…{cut}")
}

/// The first `n` characters of `s`, ending at a word.
fn head(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_owned();
    }
    let cut: String = s.chars().take(n).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(rest, _)| rest);
    format!("{cut}…")
}

/// The plain text of a body.
fn plain(blocks: &[Block]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for b in blocks {
        match b {
            Block::Para(t) => parts.push(t.clone()),
            Block::List(items) => parts.extend(items.iter().cloned()),
            Block::Contacts(cs) => parts.extend(cs.iter().map(|c| format!("{} {}", c.number, c.text))),
            Block::See(_) => {}
        }
    }
    parts.join(" ")
}

/// The query as searched: spaces collapsed, at most [`MAX_QUERY`] characters.
pub fn clean_query(q: &str) -> String {
    q.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(MAX_QUERY).collect()
}

/// Case- and accent-insensitive substring search over the titles and texts of the pages in
/// `lang`, and over the glossary (both terms, the note in `lang`). `labels` are the translated
/// titles of the practice sections and of the glossary.
pub fn search(lib: &Library, lang: Lang, query: &str, labels: &Labels) -> Vec<Hit> {
    let needle: Vec<char> = fold(query.trim()).chars;
    if needle.iter().filter(|c| !c.is_whitespace()).count() < 2 {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for page in &lib.pages {
        let title = page.title.get(lang);
        let summary = page.summary.get(lang);
        if contains(title, &needle) || contains(summary, &needle) {
            let (before, mark, after) = excerpt(summary, &needle);
            hits.push(Hit {
                href: format!("{BASE}/{}", page.id),
                page: title.clone(),
                section: None,
                before,
                mark,
                after,
            });
        }
        for s in &page.sections {
            let section_title = if s.practice { labels.practice.clone() } else { s.title.get(lang).clone() };
            let body = plain(s.body.get(lang));
            if contains(&body, &needle) || contains(&section_title, &needle) {
                let (before, mark, after) = excerpt(&body, &needle);
                hits.push(Hit {
                    href: format!("{BASE}/{}#{}", page.id, s.id),
                    page: title.clone(),
                    section: Some(section_title),
                    before,
                    mark,
                    after,
                });
            }
        }
    }
    for t in &lib.glossary {
        let text = format!("{} — {}. {}", t.term(lang), t.term(lang.other()), t.note.get(lang));
        if contains(&text, &needle) {
            let (before, mark, after) = excerpt(&text, &needle);
            hits.push(Hit {
                href: format!("{BASE}/glossary#{}", t.anchor()),
                page: labels.glossary.clone(),
                section: Some(t.term(lang).to_owned()),
                before,
                mark,
                after,
            });
        }
    }
    hits.truncate(MAX_HITS);
    hits
}

/// Translated labels the content does not carry.
#[derive(Clone, Debug)]
pub struct Labels {
    /// Title of every practice section.
    pub practice: String,
    /// Title of the glossary.
    pub glossary: String,
}

// ---------------------------------------------------------------------------------------------
// Views (shared with the public pages)
// ---------------------------------------------------------------------------------------------

/// A link.
#[derive(Clone, Debug)]
pub struct LinkView {
    /// Target.
    pub href: String,
    /// Text.
    pub title: String,
}

/// A telephone number, ready to show.
#[derive(Clone, Debug)]
pub struct ContactView {
    /// As shown.
    pub number: String,
    /// The `tel:` target.
    pub tel: String,
    /// What it is for.
    pub text: String,
}

/// A block, ready to show in one language.
#[derive(Clone, Debug)]
pub enum BlockView {
    /// A paragraph.
    Para(String),
    /// A bulleted list.
    List(Vec<String>),
    /// Telephone numbers.
    Contacts(Vec<ContactView>),
    /// Links to other sections or pages.
    See(Vec<LinkView>),
}

/// A section, ready to show in one language.
#[derive(Clone, Debug)]
pub struct SectionView {
    /// The anchor.
    pub id: String,
    /// The title.
    pub title: String,
    /// Whether this is the practice section.
    pub practice: bool,
    /// The body.
    pub blocks: Vec<BlockView>,
}

/// The sections of `page` in `lang`; `href` gives the address of a page or of a section.
pub fn sections_view(
    lib: &Library,
    page: &Page,
    lang: Lang,
    practice_title: &str,
    href: &dyn Fn(&Page, Option<&Section>) -> String,
) -> Vec<SectionView> {
    let title = |s: &Section| if s.practice { practice_title.to_owned() } else { s.title.get(lang).clone() };
    page.sections
        .iter()
        .map(|s| SectionView {
            id: s.id.clone(),
            title: title(s),
            practice: s.practice,
            blocks: s
                .body
                .get(lang)
                .iter()
                .map(|b| match b {
                    Block::Para(t) => BlockView::Para(t.clone()),
                    Block::List(items) => BlockView::List(items.clone()),
                    Block::Contacts(cs) => BlockView::Contacts(
                        cs.iter()
                            .map(|c| ContactView { number: c.number.clone(), tel: c.tel(), text: c.text.clone() })
                            .collect(),
                    ),
                    Block::See(targets) => BlockView::See(
                        targets
                            .iter()
                            .filter_map(|t| lib.find(t))
                            .map(|(p, s)| LinkView {
                                href: href(p, s),
                                title: s.map_or_else(|| p.title.get(lang).clone(), title),
                            })
                            .collect(),
                    ),
                })
                .collect(),
        })
        .collect()
}

fn legal_href(page: &Page, section: Option<&Section>) -> String {
    match section {
        Some(s) => format!("{BASE}/{}#{}", page.id, s.id),
        None => format!("{BASE}/{}", page.id),
    }
}

// ---------------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------------

/// A topic on the index.
struct Topic {
    href: String,
    title: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "legal_index.html")]
struct IndexPage {
    ctx: Ctx,
    checked: String,
    topics: Vec<Topic>,
    query: String,
    searched: bool,
    too_short: bool,
    hits: Vec<Hit>,
    count: String,
}

#[derive(Template)]
#[template(path = "legal_page.html")]
struct TopicPage {
    ctx: Ctx,
    title: String,
    summary: String,
    checked: String,
    sources: Vec<(String, String)>,
    sections: Vec<SectionView>,
    see_label: String,
    previous: Option<LinkView>,
    next: Option<LinkView>,
}

/// A glossary row, in the page's language first.
struct GlossaryRow {
    id: String,
    term: String,
    translation: String,
    translation_lang: &'static str,
    note: String,
}

#[derive(Template)]
#[template(path = "legal_glossary.html")]
struct GlossaryPage {
    ctx: Ctx,
    checked: String,
    rows: Vec<GlossaryRow>,
}

/// `/legal` and `/legal?q=…`: the topics, and the search.
pub async fn index(ctx: Ctx, _who: Signed, RawQuery(raw): RawQuery) -> PageResult {
    let lib = library()?;
    let lang = ctx.lang;
    let query = raw
        .as_deref()
        .and_then(|r| form_urlencoded::parse(r.as_bytes()).find(|(k, _)| k == "q").map(|(_, v)| clean_query(&v)))
        .unwrap_or_default();
    let searched = !query.is_empty();
    let folded_len = fold_str(&query).chars().filter(|c| !c.is_whitespace()).count();
    let too_short = searched && folded_len < 2;
    let labels = Labels { practice: ctx.t("lref-practice"), glossary: ctx.t("lref-glossary") };
    let hits = if searched && !too_short { search(lib, lang, &query, &labels) } else { Vec::new() };
    let mut topics: Vec<Topic> = lib
        .pages
        .iter()
        .map(|p| Topic {
            href: format!("{BASE}/{}", p.id),
            title: p.title.get(lang).clone(),
            summary: p.summary.get(lang).clone(),
        })
        .collect();
    topics.push(Topic {
        href: format!("{BASE}/glossary"),
        title: ctx.t("lref-glossary"),
        summary: ctx.t("lref-glossary-summary"),
    });
    let count = hits.len().to_string();
    render(&IndexPage { checked: lib.checked().to_owned(), topics, query, searched, too_short, hits, count, ctx })
}

/// `/legal/{page}`: one topic.
pub async fn page(ctx: Ctx, _who: Signed, Path(id): Path<String>) -> PageResult {
    let lib = library()?;
    let lang = ctx.lang;
    let index = lib.pages.iter().position(|p| p.id == id).ok_or(AppError::NotFound)?;
    let page = &lib.pages[index];
    let link = |p: &Page| LinkView { href: legal_href(p, None), title: p.title.get(lang).clone() };
    let view = TopicPage {
        title: page.title.get(lang).clone(),
        summary: page.summary.get(lang).clone(),
        checked: page.checked.clone(),
        sources: page.sources.iter().map(|s| (s.label.get(lang).clone(), s.url.get(lang).clone())).collect(),
        sections: sections_view(lib, page, lang, &ctx.t("lref-practice"), &legal_href),
        see_label: ctx.t("lref-see-also"),
        previous: index.checked_sub(1).and_then(|i| lib.pages.get(i)).map(link),
        next: lib.pages.get(index + 1).map(link),
        ctx,
    };
    render(&view)
}

/// `/legal/glossary`: French–English terms, sorted in the page's language.
pub async fn glossary(ctx: Ctx, _who: Signed) -> PageResult {
    let lib = library()?;
    let lang = ctx.lang;
    let mut rows: Vec<GlossaryRow> = lib
        .glossary
        .iter()
        .map(|t| GlossaryRow {
            id: t.anchor(),
            term: t.term(lang).to_owned(),
            translation: t.term(lang.other()).to_owned(),
            translation_lang: lang.other().tag(),
            note: t.note.get(lang).clone(),
        })
        .collect();
    rows.sort_by_cached_key(|r| fold_str(&r.term));
    render(&GlossaryPage { checked: lib.checked().to_owned(), rows, ctx })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib() -> &'static Library {
        LIBRARY.as_ref().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_content_loads_and_passes_every_check() {
        let lib = lib();
        assert_eq!(lib.pages.len(), SOURCES.len());
        assert!(lib.glossary.len() >= 20, "a useful glossary");
        assert!(lib.problems(true).is_empty());
        for page in &lib.pages {
            assert_eq!(page.checked, "2026-11-28", "{}", page.id);
            assert!(page.sections.len() >= 3, "{}", page.id);
            for lang in Lang::ALL {
                for s in &page.sections {
                    assert!(!plain(s.body.get(lang)).trim().is_empty(), "{}#{} {lang:?}", page.id, s.id);
                }
            }
        }
    }

    #[test]
    fn the_checks_catch_mistakes() {
        let missing_en = "@page a\n@checked 2026-11-28\n@title.fr T\n@title.en T\n@summary.fr S\n@summary.en S\n\
                          @section s\n@title.fr T\n@title.en T\n@fr\nTexte.\n@practice\n@fr\nA\n@en\nB\n";
        let e = Library::load(&[("x", missing_en)], None, true).err().map(|e| e.message).unwrap_or_default();
        assert!(e.contains("a#s: no en text"), "{e}");
        let bad_see = missing_en.replace("Texte.\n", "Texte.\n@en\nText.\nsee: nowhere\n");
        let e = Library::load(&[("x", &bad_see)], None, true).err().map(|e| e.message).unwrap_or_default();
        assert!(e.contains("see: nowhere does not exist") && e.contains("links differ"), "{e}");
        let no_practice = "@page a\n@checked 2026-11-28\n@title.fr T\n@title.en T\n@summary.fr S\n@summary.en S\n\
                           @section s\n@title.fr T\n@title.en T\n@fr\nA\n@en\nB\n";
        assert!(Library::load(&[("x", no_practice)], None, true).is_err());
        assert!(Library::load(&[("x", no_practice)], None, false).is_ok());
        let phones = no_practice.replace("@en\nB\n", "@en\ntel: 911 | Emergency\n");
        let e = Library::load(&[("x", &phones)], None, false).err().map(|e| e.message).unwrap_or_default();
        assert!(e.contains("telephone numbers differ"), "{e}");
        let stray = "@page a\nstray text\n";
        assert_eq!(parse_pages("x", stray).err().map(|e| e.line), Some(2));
        assert!(parse_pages("x", "@page a\n@whatever\n").is_err());
        assert!(parse_glossary("g", "a | b | c\n").is_err());
        assert!(parse_glossary("g", "a | b | | d\n").is_err());
    }

    #[test]
    fn legal_pages_name_their_sources() {
        let page = "@page a\n@checked 2026-11-28\n@title.fr T\n@title.en T\n@summary.fr S\n@summary.en S\n\
                    @section s\n@title.fr T\n@title.en T\n@fr\nA\n@en\nB\n@practice\n@fr\nA\n@en\nB\n";
        let e = Library::load(&[("x", page)], None, true).err().map(|e| e.message).unwrap_or_default();
        assert!(e.contains("names its @source"), "{e}");
        let with = page.replace(
            "@checked 2026-11-28\n",
            "@checked 2026-11-28\n@source Loi | Act | https://a.example/fr | https://a.example/en\n",
        );
        let lib = Library::load(&[("x", &with)], None, true).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lib.pages[0].sources[0].url.en, "https://a.example/en");
        for bad in [
            "@source Loi",
            "@source Loi | Act | http://a | https://b",
            "@source | Act",
            "@source Loi | Act | https://a",
        ] {
            let text = page.replace("@checked 2026-11-28\n", &format!("@checked 2026-11-28\n{bad}\n"));
            assert_eq!(parse_pages("x", &text).err().map(|e| e.line), Some(3), "{bad}");
        }
    }

    #[test]
    fn blocks_parse() {
        let blocks = parse_blocks(&[
            "First line",
            "continues.",
            "",
            "- one",
            "  more",
            "- two",
            "tel: 1-833-900-1010 | Hotline",
            "tel: 911 | Emergency",
            "see: a b",
            "Last.",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            blocks,
            vec![
                Block::Para("First line continues.".into()),
                Block::List(vec!["one more".into(), "two".into()]),
                Block::Contacts(vec![
                    Contact { number: "1-833-900-1010".into(), text: "Hotline".into() },
                    Contact { number: "911".into(), text: "Emergency".into() },
                ]),
                Block::See(vec!["a".into(), "b".into()]),
                Block::Para("Last.".into()),
            ]
        );
        assert!(parse_blocks(&["tel: call us | x"]).is_err());
    }

    #[test]
    fn telephone_targets() {
        let tel = |n: &str| Contact { number: n.into(), text: String::new() }.tel();
        assert_eq!(tel("1-833-900-1010"), "+18339001010");
        assert_eq!(tel("514-933-9007"), "+15149339007");
        assert_eq!(tel("911"), "911");
    }

    #[test]
    fn anchors_for_evaluation_references() {
        assert_eq!(legal_anchor("CC 279.011").as_deref(), Some("/legal/criminal-code#cc-279-011"));
        assert_eq!(legal_anchor("CC 279.01").as_deref(), Some("/legal/criminal-code#cc-279-01"));
        assert_eq!(legal_anchor("CC 279.02(2)").as_deref(), Some("/legal/criminal-code#cc-279-02"));
        assert_eq!(legal_anchor("CC 286.1(2)").as_deref(), Some("/legal/criminal-code#cc-286-1"));
        assert_eq!(legal_anchor("CC 163.1").as_deref(), Some("/legal/criminal-code#cc-163-1"));
        assert_eq!(legal_anchor("CC 213(1.1)").as_deref(), Some("/legal/criminal-code#cc-213"));
        assert_eq!(legal_anchor("IRPA 118").as_deref(), Some("/legal/irpa#irpa-118"));
        assert_eq!(legal_anchor("LIPR 118").as_deref(), Some("/legal/irpa#irpa-118"));
        assert_eq!(legal_anchor("LPJ 38.1").as_deref(), Some("/legal/youth-protection#lpj-38-1"));
        assert_eq!(legal_anchor("LPJ 39").as_deref(), Some("/legal/youth-protection#lpj-39"));
        assert_eq!(legal_anchor("CCQ 14").as_deref(), Some("/legal/civil-code#ccq-14"));
        for nothing in ["", "CC", "CC 999", "XX 118", "CC 279.01 extra", "CC .1", "CC 279;01", "criminal-code"] {
            assert_eq!(legal_anchor(nothing), None, "{nothing}");
        }
        for basis in passerelle_screening::LegalBasis::ALL {
            let url = legal_anchor(basis.as_str()).unwrap_or_else(|| panic!("{} has no anchor", basis.as_str()));
            let (path, id) = url.split_once('#').unwrap_or_else(|| panic!("{url}"));
            let page = path.strip_prefix("/legal/").and_then(|p| lib().page(p)).unwrap_or_else(|| panic!("{url}"));
            assert!(page.sections.iter().any(|s| s.id == id), "{url}");
        }
    }

    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(fold_str("Élève ÇA cœur L’État"), "eleve ca coeur l'etat");
        let needle = fold("coeur").chars;
        let (before, mark, after) = excerpt("Au cœur du sujet", &needle);
        assert_eq!((before.as_str(), mark.as_str(), after.as_str()), ("Au ", "cœur", " du sujet"));
        assert_eq!(tail("un deux trois quatre", 8), "…quatre");
        assert_eq!(head("un deux trois quatre", 9), "un deux…");
    }

    #[test]
    fn search_in_each_language() {
        let labels = Labels { practice: "P".into(), glossary: "G".into() };
        let fr = search(lib(), Lang::Fr, "CONSENTEMENT", &labels);
        assert!(!fr.is_empty());
        assert!(fr.iter().any(|h| h.mark.eq_ignore_ascii_case("consentement")));
        let accents = search(lib(), Lang::Fr, "securite", &labels);
        assert!(accents.iter().any(|h| h.mark.to_lowercase() == "sécurité"), "accents do not matter");
        let en = search(lib(), Lang::En, "consent", &labels);
        assert!(!en.is_empty());
        assert!(search(lib(), Lang::En, "consentement", &labels).iter().all(|h| h.href.contains("glossary")));
        assert!(search(lib(), Lang::Fr, "xyzzy plugh", &labels).is_empty());
        assert!(search(lib(), Lang::Fr, "a", &labels).is_empty(), "one letter finds nothing");
    }

    #[test]
    fn glossary_anchors() {
        let t = Term { fr: "Loi sur l'immigration (LIPR)".into(), en: String::new(), note: Bi::default() };
        assert_eq!(t.anchor(), "term-loi-sur-l-immigration-lipr");
    }
}
