//! Name pools, written for this crate. Each pool lists names common among children born in
//! Québec around 2007–2015, or in the communities named, with a relative weight: the
//! frequent names must be frequent, or the generated population would have none of the
//! look-alikes (several "Léa Tremblay") that make record linkage hard. A name is never a
//! person: every child generated is fictional, and any match with a real child is chance.

use crate::rng::{Rng, Table};

/// Where a child's names come from. Never exposed: it only keeps a child's given name,
/// surname and languages coherent with each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    Quebecois,
    English,
    Haitian,
    Arabic,
    African,
    Latin,
    Vietnamese,
    SouthAsian,
    Indigenous,
}

type Pool = &'static [(&'static str, u32)];
type Langs = &'static [(&'static [&'static str], u32)];

const QC_GIRLS: Pool = &[
    ("Léa", 60),
    ("Emma", 50),
    ("Florence", 45),
    ("Rosalie", 40),
    ("Jade", 40),
    ("Juliette", 35),
    ("Camille", 35),
    ("Laurence", 35),
    ("Chloé", 35),
    ("Zoé", 35),
    ("Alice", 30),
    ("Béatrice", 28),
    ("Charlotte", 30),
    ("Maïka", 18),
    ("Mia", 20),
    ("Maëva", 15),
    ("Noémie", 30),
    ("Sarah", 30),
    ("Océane", 20),
    ("Mégane", 18),
    ("Ariane", 20),
    ("Gabrielle", 30),
    ("Éliane", 15),
    ("Marianne", 18),
    ("Audrey", 20),
    ("Amélie", 15),
    ("Anaïs", 15),
    ("Coralie", 22),
    ("Émilie", 18),
    ("Justine", 22),
    ("Marie-Ève", 12),
    ("Marie-Pier", 10),
    ("Marie-Soleil", 6),
    ("Anne-Sophie", 10),
    ("Sophie", 8),
    ("Élodie", 15),
    ("Maélie", 12),
    ("Romane", 12),
    ("Lily-Rose", 10),
    ("Clara", 15),
    ("Léonie", 20),
    ("Laurianne", 12),
    ("Mélodie", 10),
    ("Victoria", 12),
    ("Eva", 12),
    ("Ève", 10),
    ("Frédérique", 10),
    ("Héloïse", 8),
    ("Maude", 8),
    ("Olivia", 20),
    ("Raphaëlle", 12),
    ("Rose", 15),
    ("Sarah-Maude", 6),
    ("Anne-Marie", 5),
    ("Marie-Jeanne", 5),
    ("Emma-Rose", 6),
    ("Léa-Rose", 5),
    ("Catherine", 10),
    ("Isabelle", 6),
    ("Stéphanie", 5),
    ("Alexandra", 10),
    ("Jessica", 5),
    ("Mélissa", 6),
    ("Kelly-Ann", 4),
    ("Naomie", 12),
    ("Alexia", 12),
    ("Élizabeth", 10),
    ("Magalie", 6),
    ("Daphnée", 8),
    ("Jasmine", 10),
    ("Laurie", 12),
    ("Megan", 6),
    ("Samantha", 6),
    ("Gabrielle-Ann", 3),
    ("Nathalie", 2),
    ("Jennifer", 3),
    ("Christina", 3),
    ("Valérie", 4),
    ("Rébecca", 6),
];

const QC_BOYS: Pool = &[
    ("William", 55),
    ("Thomas", 45),
    ("Nathan", 40),
    ("Samuel", 40),
    ("Félix", 45),
    ("Olivier", 40),
    ("Gabriel", 40),
    ("Jacob", 40),
    ("Alexis", 35),
    ("Noah", 30),
    ("Liam", 30),
    ("Émile", 25),
    ("Raphaël", 30),
    ("Antoine", 30),
    ("Xavier", 30),
    ("Zachary", 25),
    ("Mathis", 25),
    ("Justin", 20),
    ("Louis", 20),
    ("Benjamin", 20),
    ("Charles", 20),
    ("Logan", 18),
    ("Loïc", 12),
    ("Mathieu", 12),
    ("Maxime", 15),
    ("Nicolas", 15),
    ("Jérémy", 12),
    ("Vincent", 12),
    ("Étienne", 12),
    ("Édouard", 10),
    ("Hugo", 15),
    ("Léo", 15),
    ("Jayden", 8),
    ("Ludovic", 8),
    ("Tristan", 10),
    ("Anthony", 12),
    ("Dylan", 10),
    ("Philippe", 8),
    ("Cédric", 8),
    ("Jean-Philippe", 6),
    ("Jean-Christophe", 5),
    ("Pier-Luc", 5),
    ("Marc-Antoine", 6),
    ("Charles-Olivier", 5),
    ("Louis-Philippe", 4),
    ("Jean-Félix", 4),
    ("Simon", 10),
    ("Alexandre", 15),
    ("Frédéric", 6),
    ("Adam", 15),
    ("Elliot", 8),
    ("Théo", 12),
    ("Arnaud", 5),
    ("Laurent", 8),
    ("Mikaël", 8),
    ("Jérôme", 4),
    ("Zack", 4),
    ("Victor", 10),
    ("Jules", 8),
    ("Éloi", 4),
    ("Damien", 5),
    ("Kevin", 5),
    ("Christopher", 6),
    ("Jonathan", 5),
    ("Jordan", 5),
    ("Maximilien", 4),
    ("Gabriel-Alexandre", 2),
];

const QC_SURNAMES: Pool = &[
    ("Tremblay", 100),
    ("Gagnon", 70),
    ("Roy", 60),
    ("Côté", 55),
    ("Bouchard", 50),
    ("Gauthier", 45),
    ("Morin", 45),
    ("Lavoie", 40),
    ("Fortin", 40),
    ("Gagné", 38),
    ("Ouellet", 35),
    ("Pelletier", 35),
    ("Bélanger", 33),
    ("Lévesque", 33),
    ("Bergeron", 30),
    ("Leblanc", 30),
    ("Paquette", 28),
    ("Girard", 28),
    ("Simard", 27),
    ("Boucher", 27),
    ("Caron", 25),
    ("Beaulieu", 25),
    ("Cloutier", 24),
    ("Dubé", 24),
    ("Poirier", 23),
    ("Fournier", 23),
    ("Lapointe", 22),
    ("Leclerc", 22),
    ("Lefebvre", 22),
    ("Poulin", 21),
    ("Thibault", 21),
    ("St-Pierre", 20),
    ("Nadeau", 20),
    ("Martin", 20),
    ("Landry", 19),
    ("Martel", 19),
    ("Bédard", 18),
    ("Grenier", 18),
    ("Lessard", 18),
    ("Bernier", 18),
    ("Richard", 17),
    ("Michaud", 17),
    ("Hébert", 17),
    ("Desjardins", 16),
    ("Couture", 16),
    ("Turcotte", 16),
    ("Lachance", 15),
    ("Parent", 15),
    ("Blais", 15),
    ("Gosselin", 15),
    ("Savard", 14),
    ("Proulx", 14),
    ("Beaudoin", 14),
    ("Demers", 14),
    ("Perreault", 13),
    ("Boudreau", 13),
    ("Lemieux", 13),
    ("Cyr", 12),
    ("Perron", 12),
    ("Dufour", 12),
    ("Dion", 12),
    ("Mercier", 12),
    ("Bolduc", 11),
    ("Bérubé", 11),
    ("Boisvert", 11),
    ("Langlois", 11),
    ("Ménard", 10),
    ("Thériault", 10),
    ("Dupuis", 10),
    ("Rousseau", 10),
    ("Vallée", 9),
    ("Champagne", 9),
    ("Gingras", 9),
    ("Allard", 9),
    ("Deschênes", 8),
    ("Béland", 8),
    ("Lemay", 8),
    ("Guay", 8),
    ("Laflamme", 8),
    ("Charbonneau", 8),
    ("Sauvé", 7),
    ("Émond", 7),
    ("Lalonde", 7),
    ("Séguin", 7),
    ("Beauchamp", 7),
    ("Labelle", 7),
    ("Vachon", 7),
    ("Brochu", 6),
    ("Marcoux", 6),
    ("Lacroix", 6),
    ("Desrosiers", 6),
    ("Bisson", 6),
    ("Trudel", 6),
    ("Poitras", 5),
    ("Ouellette", 5),
    ("Jolicoeur", 5),
    ("Paradis", 5),
    ("Lebel", 5),
    ("Harvey", 5),
    ("D'Amours", 4),
    ("Lamontagne", 4),
    ("Ste-Marie", 4),
    ("Plourde", 4),
    ("Rioux", 4),
    ("Drouin", 4),
    ("Lapierre", 4),
    ("Tessier", 4),
    ("Veilleux", 4),
    ("Fillion", 4),
    ("Bégin", 4),
    ("Lévêque", 3),
    ("Chénard", 3),
];

const EN_GIRLS: Pool = &[
    ("Emily", 12),
    ("Jessica", 8),
    ("Ashley", 8),
    ("Sarah", 10),
    ("Hannah", 10),
    ("Olivia", 12),
    ("Madison", 10),
    ("Megan", 8),
    ("Kayla", 8),
    ("Brooke", 6),
    ("Abigail", 6),
    ("Chloe", 8),
    ("Paige", 5),
    ("Taylor", 5),
    ("Avery", 4),
];
const EN_BOYS: Pool = &[
    ("Ryan", 10),
    ("Tyler", 8),
    ("Dylan", 8),
    ("Connor", 8),
    ("Liam", 10),
    ("Ethan", 12),
    ("Jacob", 10),
    ("Owen", 8),
    ("Nathan", 8),
    ("Aiden", 8),
    ("Matthew", 8),
    ("Brandon", 5),
    ("Cole", 4),
    ("Evan", 6),
];
const EN_SURNAMES: Pool = &[
    ("Smith", 14),
    ("Johnson", 8),
    ("Brown", 10),
    ("Wilson", 9),
    ("Taylor", 8),
    ("Campbell", 8),
    ("Murphy", 7),
    ("Kelly", 6),
    ("O'Brien", 5),
    ("Stewart", 6),
    ("MacDonald", 7),
    ("Young", 5),
    ("Scott", 6),
    ("Ross", 5),
    ("Thompson", 7),
    ("O'Neill", 4),
    ("Fraser", 4),
    ("McLean", 4),
];

const HT_GIRLS: Pool = &[
    ("Widline", 6),
    ("Naïka", 8),
    ("Daphney", 6),
    ("Mirlande", 4),
    ("Fabiola", 5),
    ("Nadège", 5),
    ("Kerline", 4),
    ("Marjorie", 4),
    ("Darline", 4),
    ("Esther", 6),
    ("Stéphanie", 5),
    ("Wislande", 3),
    ("Sandrine", 5),
    ("Roseline", 3),
    ("Djenny", 4),
    ("Sarah", 6),
    ("Christina", 4),
    ("Rose-Mireille", 2),
];
const HT_BOYS: Pool = &[
    ("Stanley", 5),
    ("Jameson", 4),
    ("Kervens", 5),
    ("Widler", 4),
    ("Ricardo", 5),
    ("Woodley", 4),
    ("Mackenson", 4),
    ("Jean-Daniel", 4),
    ("Richardson", 4),
    ("Evens", 5),
    ("Peterson", 4),
    ("Wendell", 4),
    ("Samuel", 5),
    ("Jean-Marc", 3),
    ("Steeve", 3),
];
const HT_SURNAMES: Pool = &[
    ("Jean-Baptiste", 10),
    ("Pierre", 14),
    ("Joseph", 12),
    ("Charles", 10),
    ("Jean-Louis", 7),
    ("Saint-Fleur", 5),
    ("Dorval", 4),
    ("Célestin", 5),
    ("Toussaint", 6),
    ("Augustin", 6),
    ("Désir", 4),
    ("Bien-Aimé", 4),
    ("Étienne", 6),
    ("Louis", 8),
    ("Paul", 7),
    ("Jean-Pierre", 6),
    ("Saintil", 4),
    ("Lamothe", 4),
    ("Métellus", 3),
    ("Fleurant", 4),
    ("Pierre-Louis", 5),
    ("Michel", 6),
    ("Casimir", 3),
];

const AR_GIRLS: Pool = &[
    ("Yasmine", 10),
    ("Inès", 10),
    ("Sarah", 8),
    ("Amira", 7),
    ("Lina", 8),
    ("Nour", 7),
    ("Rania", 5),
    ("Meriem", 6),
    ("Salma", 6),
    ("Aya", 8),
    ("Malak", 5),
    ("Imane", 5),
    ("Kenza", 5),
    ("Rim", 4),
    ("Hiba", 5),
    ("Fatima", 4),
];
const AR_BOYS: Pool = &[
    ("Mohamed", 12),
    ("Adam", 10),
    ("Youssef", 8),
    ("Amine", 7),
    ("Ilyes", 6),
    ("Karim", 5),
    ("Rayan", 8),
    ("Omar", 6),
    ("Ali", 6),
    ("Mehdi", 6),
    ("Anas", 5),
    ("Zakaria", 5),
    ("Ayoub", 5),
    ("Samir", 4),
    ("Hamza", 6),
];
const AR_SURNAMES: Pool = &[
    ("Benali", 6),
    ("Haddad", 7),
    ("Khoury", 5),
    ("El Amrani", 5),
    ("Bouazza", 4),
    ("Cherif", 5),
    ("Saadi", 5),
    ("Belkacem", 4),
    ("Aït Ali", 3),
    ("Mansour", 5),
    ("Hamdi", 4),
    ("Nassar", 4),
    ("Chaoui", 4),
    ("Benmoussa", 4),
    ("El Khatib", 4),
    ("Abdallah", 5),
    ("Ben Salah", 4),
    ("Azzouz", 3),
    ("Karam", 4),
    ("Touati", 4),
];

const AF_GIRLS: Pool = &[
    ("Fatoumata", 6),
    ("Aminata", 7),
    ("Mariama", 5),
    ("Grâce", 6),
    ("Divine", 5),
    ("Bénédicte", 4),
    ("Aïcha", 6),
    ("Awa", 5),
    ("Merveille", 5),
    ("Christelle", 4),
    ("Nadia", 4),
    ("Ruth", 3),
];
const AF_BOYS: Pool = &[
    ("Mamadou", 7),
    ("Ibrahima", 6),
    ("Moussa", 6),
    ("Cheikh", 4),
    ("Junior", 5),
    ("Ousmane", 5),
    ("Christian", 4),
    ("Emmanuel", 5),
    ("Prince", 4),
    ("Souleymane", 4),
    ("Yannick", 4),
];
const AF_SURNAMES: Pool = &[
    ("Diallo", 10),
    ("Traoré", 8),
    ("Ndiaye", 7),
    ("Diop", 7),
    ("Sow", 5),
    ("Bah", 6),
    ("Camara", 6),
    ("Koné", 6),
    ("Ouédraogo", 5),
    ("Mbuyi", 4),
    ("Ilunga", 4),
    ("Kouassi", 4),
    ("Tshibangu", 3),
    ("Ngoma", 3),
    ("Sylla", 4),
    ("Cissé", 5),
];

const LA_GIRLS: Pool = &[
    ("Valentina", 8),
    ("Camila", 8),
    ("Isabella", 7),
    ("Daniela", 7),
    ("Sofía", 8),
    ("María José", 5),
    ("Gabriela", 6),
    ("Mariana", 6),
    ("Fernanda", 5),
    ("Luciana", 5),
    ("Ximena", 4),
    ("Andrea", 5),
    ("Paola", 4),
    ("Natalia", 5),
    ("Juliana", 5),
];
const LA_BOYS: Pool = &[
    ("Santiago", 8),
    ("Mateo", 8),
    ("Sebastián", 7),
    ("Diego", 7),
    ("Alejandro", 6),
    ("Juan Pablo", 5),
    ("Andrés", 5),
    ("Carlos", 6),
    ("Daniel", 6),
    ("Luis", 5),
    ("José", 5),
    ("Miguel", 5),
    ("Nicolás", 5),
    ("Emilio", 4),
    ("Samuel", 4),
];
const LA_SURNAMES: Pool = &[
    ("García", 10),
    ("Rodríguez", 9),
    ("Martínez", 9),
    ("Hernández", 8),
    ("López", 8),
    ("González", 8),
    ("Pérez", 7),
    ("Sánchez", 7),
    ("Ramírez", 6),
    ("Torres", 6),
    ("Flores", 5),
    ("Rivera", 5),
    ("Gómez", 6),
    ("Díaz", 6),
    ("Morales", 5),
    ("Vargas", 5),
    ("Castillo", 4),
    ("Jiménez", 4),
    ("Rojas", 4),
    ("Ortiz", 4),
    ("Mendoza", 4),
];

// Written without Vietnamese diacritics, as these names almost always appear in Québec records.
const VN_GIRLS: Pool = &[
    ("Linh", 8),
    ("Mai", 6),
    ("Anh", 7),
    ("Ngoc", 5),
    ("Trang", 5),
    ("Thuy", 5),
    ("Hoa", 4),
    ("Lan", 4),
    ("Vy", 6),
    ("My", 5),
    ("Nhi", 5),
    ("Huong", 4),
];
const VN_BOYS: Pool = &[
    ("Minh", 8),
    ("Duc", 5),
    ("Huy", 6),
    ("Khoa", 5),
    ("Nam", 5),
    ("Bao", 6),
    ("Long", 4),
    ("Quang", 4),
    ("Tuan", 5),
    ("Hieu", 4),
    ("Thanh", 4),
];
const VN_SURNAMES: Pool = &[
    ("Nguyen", 40),
    ("Tran", 14),
    ("Le", 12),
    ("Pham", 9),
    ("Hoang", 5),
    ("Phan", 5),
    ("Vu", 5),
    ("Dang", 3),
    ("Bui", 3),
    ("Do", 3),
    ("Ho", 3),
    ("Ngo", 3),
    ("Duong", 2),
    ("Ly", 2),
    ("Truong", 3),
];

const SA_GIRLS: Pool = &[
    ("Priya", 6),
    ("Ananya", 5),
    ("Simran", 6),
    ("Harleen", 4),
    ("Aisha", 5),
    ("Ayesha", 5),
    ("Sana", 5),
    ("Divya", 4),
    ("Nisha", 4),
    ("Kiran", 4),
    ("Jasleen", 4),
    ("Tharshika", 3),
    ("Meera", 4),
    ("Zara", 5),
];
const SA_BOYS: Pool = &[
    ("Arjun", 6),
    ("Rohan", 5),
    ("Aryan", 5),
    ("Rahul", 4),
    ("Hassan", 5),
    ("Imran", 4),
    ("Karan", 5),
    ("Sahil", 4),
    ("Vikram", 3),
    ("Bilal", 5),
    ("Kajan", 3),
    ("Thanushan", 3),
    ("Gurpreet", 4),
];
const SA_SURNAMES: Pool = &[
    ("Singh", 14),
    ("Kaur", 8),
    ("Patel", 10),
    ("Sharma", 6),
    ("Khan", 9),
    ("Ahmed", 7),
    ("Hussain", 5),
    ("Gill", 5),
    ("Sandhu", 4),
    ("Sivakumar", 3),
    ("Rahman", 5),
    ("Chowdhury", 4),
    ("Kumar", 6),
    ("Shah", 5),
    ("Iqbal", 4),
];

// Surnames common in First Nations and Inuit communities of Québec (Atikamekw, Innu, Cree,
// Inuit, Kanien'kehá:ka); many Indigenous children also carry French or English surnames,
// which is why Indigenous children draw given names from the general pools.
const IND_SURNAMES: Pool = &[
    ("Awashish", 5),
    ("Ottawa", 5),
    ("Petiquay", 4),
    ("Flamand", 4),
    ("Niquay", 4),
    ("Echaquan", 4),
    ("Quitich", 3),
    ("Coocoo", 3),
    ("Moar", 3),
    ("Vollant", 5),
    ("Fontaine", 5),
    ("Bacon", 4),
    ("McKenzie", 5),
    ("Picard", 4),
    ("Rock", 4),
    ("Pinette", 3),
    ("Ashini", 3),
    ("St-Onge", 4),
    ("Jourdain", 3),
    ("Mestokosho", 3),
    ("Kanapé", 3),
    ("Mianscum", 3),
    ("Neeposh", 3),
    ("Wapachee", 3),
    ("Blacksmith", 3),
    ("Diamond", 4),
    ("Bosum", 3),
    ("Petawabano", 2),
    ("Cheezo", 2),
    ("Iserhoff", 2),
    ("Tukalak", 3),
    ("Annahatak", 3),
    ("Kasudluak", 3),
    ("Okpik", 3),
    ("Qumaluk", 3),
    ("Nappaaluk", 2),
    ("Saunders", 3),
    ("Tulugak", 3),
    ("Jacobs", 4),
    ("Deer", 3),
    ("Diabo", 3),
    ("Montour", 3),
    ("McComber", 2),
    ("Horn", 2),
    ("Delisle", 3),
];
const IND_GIRLS: Pool =
    &[("Elisapie", 3), ("Shania", 4), ("Kayla", 4), ("Maïna", 3), ("Annie", 4), ("Mélina", 3), ("Shanice", 3)];
const IND_BOYS: Pool = &[("Lucassie", 3), ("Tommy", 4), ("Jonah", 3), ("Shawn", 4), ("Dany", 3), ("Kenny", 3)];

/// Given names chosen for non-binary children or left ungendered.
const UNISEX: Pool = &[
    ("Alex", 10),
    ("Charlie", 10),
    ("Sam", 8),
    ("Noa", 6),
    ("Éden", 5),
    ("Camille", 8),
    ("Dominique", 4),
    ("Jordan", 4),
    ("Robin", 3),
    ("Lou", 4),
    ("Sacha", 5),
    ("Morgan", 3),
    ("Jessie", 4),
    ("Kim", 3),
];

const QC_LANGS: Langs = &[(&["fr"], 80), (&["fr", "en"], 20)];
const EN_LANGS: Langs = &[(&["en"], 45), (&["en", "fr"], 55)];
const HT_LANGS: Langs = &[(&["fr", "ht"], 55), (&["fr"], 35), (&["ht", "fr", "en"], 10)];
const AR_LANGS: Langs = &[(&["fr", "ar"], 50), (&["fr"], 30), (&["ar", "fr", "en"], 20)];
const AF_LANGS: Langs = &[(&["fr"], 55), (&["fr", "en"], 25), (&["fr", "ln"], 10), (&["fr", "wo"], 10)];
const LA_LANGS: Langs = &[(&["es", "fr"], 60), (&["fr", "es", "en"], 25), (&["fr"], 15)];
const VN_LANGS: Langs = &[(&["fr", "vi"], 50), (&["fr"], 35), (&["vi", "en"], 15)];
const SA_LANGS: Langs =
    &[(&["en", "fr"], 40), (&["pa", "en"], 20), (&["ta", "fr"], 15), (&["ur", "en"], 15), (&["fr"], 10)];
// Kept mostly to French and English: the pools do not tie a surname to a nation, and a
// nation's language paired with another nation's surname would look wrong.
const IND_LANGS: Langs = &[(&["fr"], 45), (&["en"], 20), (&["fr", "en"], 25), (&["atj", "fr"], 5), (&["iu", "en"], 5)];

// A child trafficked into Canada rarely speaks French on arrival.
const HT_NEW: Langs = &[(&["ht"], 40), (&["ht", "fr"], 60)];
const AR_NEW: Langs = &[(&["ar"], 45), (&["ar", "fr"], 40), (&["ar", "en"], 15)];
const AF_NEW: Langs = &[(&["fr"], 50), (&["en"], 25), (&["fr", "ln"], 25)];
const LA_NEW: Langs = &[(&["es"], 85), (&["es", "en"], 15)];
const VN_NEW: Langs = &[(&["vi"], 85), (&["vi", "en"], 15)];
const SA_NEW: Langs = &[(&["pa"], 30), (&["hi", "en"], 25), (&["ur"], 20), (&["bn"], 10), (&["ta"], 15)];
const EN_NEW: Langs = &[(&["en"], 100)];

struct OriginPools {
    girls: Pool,
    boys: Pool,
    surnames: Pool,
    languages: Langs,
    newcomer_languages: Langs,
    /// Chance that the surname joins two drawn names (hyphenated double surnames, common for
    /// Québec children born from the 1980s on; two Spanish surnames).
    compound_surname: f64,
    compound_separator: &'static str,
}

const fn pools(origin: Origin) -> OriginPools {
    let (girls, boys, surnames, languages, newcomer_languages, compound_surname, compound_separator) = match origin {
        Origin::Quebecois => (QC_GIRLS, QC_BOYS, QC_SURNAMES, QC_LANGS, QC_LANGS, 0.10, "-"),
        Origin::English => (EN_GIRLS, EN_BOYS, EN_SURNAMES, EN_LANGS, EN_NEW, 0.0, "-"),
        Origin::Haitian => (HT_GIRLS, HT_BOYS, HT_SURNAMES, HT_LANGS, HT_NEW, 0.0, "-"),
        Origin::Arabic => (AR_GIRLS, AR_BOYS, AR_SURNAMES, AR_LANGS, AR_NEW, 0.0, "-"),
        Origin::African => (AF_GIRLS, AF_BOYS, AF_SURNAMES, AF_LANGS, AF_NEW, 0.0, "-"),
        Origin::Latin => (LA_GIRLS, LA_BOYS, LA_SURNAMES, LA_LANGS, LA_NEW, 0.30, " "),
        Origin::Vietnamese => (VN_GIRLS, VN_BOYS, VN_SURNAMES, VN_LANGS, VN_NEW, 0.0, "-"),
        Origin::SouthAsian => (SA_GIRLS, SA_BOYS, SA_SURNAMES, SA_LANGS, SA_NEW, 0.0, "-"),
        Origin::Indigenous => (IND_GIRLS, IND_BOYS, IND_SURNAMES, IND_LANGS, IND_LANGS, 0.0, "-"),
    };
    OriginPools { girls, boys, surnames, languages, newcomer_languages, compound_surname, compound_separator }
}

pub(crate) const ORIGINS: [Origin; 9] = [
    Origin::Quebecois,
    Origin::English,
    Origin::Haitian,
    Origin::Arabic,
    Origin::African,
    Origin::Latin,
    Origin::Vietnamese,
    Origin::SouthAsian,
    Origin::Indigenous,
];

/// The pools of one origin, with their weight tables prepared once.
struct Prepared {
    origin: Origin,
    girls: Table<&'static str>,
    boys: Table<&'static str>,
    surnames: Table<&'static str>,
    pools: OriginPools,
}

/// Every pool, ready to draw from.
pub(crate) struct Names {
    prepared: Vec<Prepared>,
    unisex: Table<&'static str>,
    qc_girls: Table<&'static str>,
    qc_boys: Table<&'static str>,
    indigenous_given: (Table<&'static str>, Table<&'static str>),
}

/// The sex-linked pool a child's given name is drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GivenPool {
    Girl,
    Boy,
    Unisex,
}

impl Names {
    pub(crate) fn new() -> Self {
        let prepared = ORIGINS
            .iter()
            .map(|&origin| {
                let pools = pools(origin);
                Prepared {
                    origin,
                    girls: Table::new(pools.girls),
                    boys: Table::new(pools.boys),
                    surnames: Table::new(pools.surnames),
                    pools,
                }
            })
            .collect();
        Self {
            prepared,
            unisex: Table::new(UNISEX),
            qc_girls: Table::new(QC_GIRLS),
            qc_boys: Table::new(QC_BOYS),
            indigenous_given: (Table::new(IND_GIRLS), Table::new(IND_BOYS)),
        }
    }

    fn get(&self, origin: Origin) -> &Prepared {
        self.prepared.iter().find(|p| p.origin == origin).unwrap_or(&self.prepared[0])
    }

    pub(crate) fn given(&self, rng: &mut Rng, origin: Origin, pool: GivenPool) -> String {
        let p = self.get(origin);
        let name = match (pool, origin) {
            (GivenPool::Unisex, _) => self.unisex.draw(rng),
            // Most Indigenous children in Québec carry French given names.
            (GivenPool::Girl, Origin::Indigenous) if rng.chance(0.6) => self.qc_girls.draw(rng),
            (GivenPool::Boy, Origin::Indigenous) if rng.chance(0.6) => self.qc_boys.draw(rng),
            (GivenPool::Girl, Origin::Indigenous) => self.indigenous_given.0.draw(rng),
            (GivenPool::Boy, Origin::Indigenous) => self.indigenous_given.1.draw(rng),
            (GivenPool::Girl, _) => p.girls.draw(rng),
            (GivenPool::Boy, _) => p.boys.draw(rng),
        };
        (*name).to_owned()
    }

    pub(crate) fn surname(&self, rng: &mut Rng, origin: Origin) -> String {
        let p = self.get(origin);
        let first = *p.surnames.draw(rng);
        if rng.chance(p.pools.compound_surname) {
            let second = *p.surnames.draw(rng);
            if second != first {
                return format!("{first}{}{second}", p.pools.compound_separator);
            }
        }
        first.to_owned()
    }

    /// A different surname of the same origin, as when a child is registered under the other
    /// parent's name.
    pub(crate) fn other_surname(&self, rng: &mut Rng, origin: Origin, current: &str) -> String {
        for _ in 0..8 {
            let s = self.surname(rng, origin);
            if s != current {
                return s;
            }
        }
        // A pool where every draw repeats the current name: fall back to the largest one.
        let other = *self.get(Origin::Quebecois).surnames.draw(rng);
        if other == current { format!("{current}-Roy") } else { other.to_owned() }
    }

    pub(crate) fn languages(&self, rng: &mut Rng, origin: Origin, newcomer: bool) -> Vec<String> {
        let p = &self.get(origin).pools;
        let table = if newcomer { p.newcomer_languages } else { p.languages };
        rng.weighted(table).iter().map(|&l| l.to_owned()).collect()
    }
}

/// Usual short forms of given names, as a worker may write them down when the child
/// introduces themself that way.
const NICKNAMES: &[(&str, &[&str])] = &[
    ("Alexandre", &["Alex"]),
    ("Alexandra", &["Alex", "Alexa"]),
    ("Alexis", &["Alex"]),
    ("Alexia", &["Alex"]),
    ("Samuel", &["Sam", "Sammy"]),
    ("Samantha", &["Sam"]),
    ("Nathan", &["Nat"]),
    ("Catherine", &["Cathy", "Cath"]),
    ("Jessica", &["Jess", "Jessy"]),
    ("Isabelle", &["Isa"]),
    ("Gabrielle", &["Gaby", "Gab"]),
    ("Gabriel", &["Gab", "Gabi"]),
    ("Maxime", &["Max"]),
    ("Maximilien", &["Max"]),
    ("Christopher", &["Chris"]),
    ("Christina", &["Chris", "Tina"]),
    ("Victoria", &["Vicky"]),
    ("Stéphanie", &["Steph"]),
    ("Frédérique", &["Fred"]),
    ("Frédéric", &["Fred"]),
    ("Mohamed", &["Momo"]),
    ("Jean-Philippe", &["JP"]),
    ("Benjamin", &["Ben"]),
    ("Nicolas", &["Nico"]),
    ("Daniela", &["Dani"]),
    ("Daniel", &["Dan", "Dani"]),
    ("Rosalie", &["Rosie"]),
    ("Élizabeth", &["Élie", "Liz"]),
    ("Zachary", &["Zack"]),
    ("Jonathan", &["Jo", "John"]),
    ("Emily", &["Em"]),
    ("Matthew", &["Matt"]),
    ("Mathieu", &["Matt"]),
    ("Valentina", &["Vale"]),
    ("Sebastián", &["Sebas"]),
    ("Alejandro", &["Alex"]),
    ("Youssef", &["Youss"]),
    ("Fatoumata", &["Fatou"]),
    ("Fatima", &["Fati"]),
    ("Raphaël", &["Raph"]),
    ("Raphaëlle", &["Raph"]),
    ("Mélodie", &["Mélo"]),
    ("Émilie", &["Émi"]),
    ("Florence", &["Flo"]),
    ("Charlotte", &["Charlie"]),
    ("Charles", &["Charlie"]),
    ("Laurence", &["Lau"]),
    ("Juliette", &["Jules"]),
    ("Béatrice", &["Béa"]),
    ("Anthony", &["Tony"]),
    ("Mackenson", &["Mack"]),
    ("Richardson", &["Richie"]),
    ("Marie-Ève", &["Marie"]),
    ("Marie-Pier", &["MP"]),
];

/// A short form of `given`, when it has one.
pub(crate) fn nickname(rng: &mut Rng, given: &str) -> Option<String> {
    NICKNAMES.iter().find(|(full, _)| *full == given).map(|(_, short)| (*rng.pick(short)).to_owned())
}

/// Whether `given` has a usual short form.
pub(crate) fn has_nickname(given: &str) -> bool {
    NICKNAMES.iter().any(|(full, _)| *full == given)
}

/// Street names and chosen names a child may give instead of their own (kept ordinary on
/// purpose: nothing here should read as a sexualised name).
pub(crate) const STREET_NAMES: &[&str] =
    &["Lexi", "Nina", "Kiki", "Coco", "Sky", "Tia", "Mimi", "Lulu", "Nova", "Jay", "Ti-Loup", "Dre", "Kenzo", "Mya"];

/// Words made-up social-media handles are built from.
pub(crate) const HANDLE_WORDS: &[&str] = &[
    "lune", "etoile", "nuit", "soleil", "cerise", "papillon", "vibes", "sky", "moon", "dreams", "shadow", "loup",
    "tigre", "flocon", "neige", "melo", "coco", "kiki", "aurore", "orage", "bleu", "minou", "pixel", "glitch",
];

/// The letter without its diacritic, for the letters found in the pools (French, Spanish,
/// Haitian Creole, transliterated Arabic).
pub(crate) fn strip_accent(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' | 'á' => 'a',
        'À' | 'Â' | 'Ä' | 'Á' => 'A',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'î' | 'ï' | 'í' => 'i',
        'Î' | 'Ï' | 'Í' => 'I',
        'ô' | 'ö' | 'ó' => 'o',
        'Ô' | 'Ö' | 'Ó' => 'O',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'Ù' | 'Û' | 'Ü' | 'Ú' => 'U',
        'ç' => 'c',
        'Ç' => 'C',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ÿ' => 'y',
        other => other,
    }
}

/// `s` with every accent dropped.
pub(crate) fn strip_accents(s: &str) -> String {
    s.chars().map(strip_accent).collect()
}

/// Whether `s` has a letter with a diacritic.
pub(crate) fn has_accent(s: &str) -> bool {
    s.chars().any(|c| strip_accent(c) != c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_are_unique_and_weighted() {
        for origin in ORIGINS {
            let p = pools(origin);
            for pool in [p.girls, p.boys, p.surnames] {
                assert!(pool.iter().all(|(n, w)| *w > 0 && !n.trim().is_empty() && n.trim() == *n));
                let mut names: Vec<&str> = pool.iter().map(|(n, _)| *n).collect();
                names.sort_unstable();
                let before = names.len();
                names.dedup();
                assert_eq!(before, names.len(), "duplicate in {origin:?}");
            }
        }
    }

    #[test]
    fn accents_are_stripped() {
        assert_eq!(strip_accents("Marie-Ève Côté"), "Marie-Eve Cote");
        assert_eq!(strip_accents("Sofía Rodríguez"), "Sofia Rodriguez");
        assert!(has_accent("Maïka") && !has_accent("Tremblay"));
    }

    #[test]
    fn every_pool_name_loses_all_accents() {
        for origin in ORIGINS {
            let p = pools(origin);
            for (name, _) in p.girls.iter().chain(p.boys).chain(p.surnames) {
                assert!(strip_accents(name).is_ascii(), "{name}");
            }
        }
    }
}
