//! The privacy officer's published contact.
//!
//! Québec's privacy law makes the person with the highest authority in an organization
//! responsible for personal information (a duty that may be delegated in writing), and asks
//! that this person's title and contact information be published. The installation publishes
//! them on a public page; the system administrator keeps them.

use serde::Serialize;

use crate::directory::{is_email, is_phone};
use crate::error::{ValidationError, text_field};

/// What the public page states.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PrivacyContact {
    /// The officer's title (e.g. "Responsable de la protection des renseignements personnels").
    #[serde(default)]
    pub title: String,
    /// A name or a function; a function survives staff changes.
    #[serde(default)]
    pub name: String,
    /// Where to write.
    #[serde(default)]
    pub email: String,
    /// Where to call.
    #[serde(default)]
    pub phone: String,
    /// Where to send a letter.
    #[serde(default)]
    pub postal_address: String,
}

impl PrivacyContact {
    /// Checks the administrator's form (every field trimmed; e-mail and phone must look like
    /// one; the address may span lines).
    pub fn parse(&self) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let title = text_field(&mut errors, "title", &self.title, 1, 200);
        let name = text_field(&mut errors, "name", &self.name, 1, 200);
        let email = text_field(&mut errors, "email", &self.email, 1, 200);
        if !email.is_empty() && !is_email(&email) {
            errors.push("email", "invalid-email");
        }
        let phone = text_field(&mut errors, "phone", &self.phone, 1, 60);
        if !phone.is_empty() && !is_phone(&phone) {
            errors.push("phone", "invalid-phone");
        }
        let flat: String = self.postal_address.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
        let before = errors.fields.len();
        text_field(&mut errors, "postal_address", &flat, 1, 500);
        let postal_address =
            if errors.fields.len() > before { String::new() } else { self.postal_address.trim().replace("\r\n", "\n") };
        errors.into_result()?;
        Ok(Self { title, name, email, phone, postal_address })
    }

    /// The address, one line per entry.
    pub fn address_lines(&self) -> Vec<&str> {
        self.postal_address.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact() -> PrivacyContact {
        PrivacyContact {
            title: "Responsable de la protection des renseignements personnels".into(),
            name: "Direction des services juridiques".into(),
            email: "vie-privee@exemple.qc.ca".into(),
            phone: "514 555-0100".into(),
            postal_address: "1000, rue Fictive\r\nMontréal (Québec)  H0H 0H0".into(),
        }
    }

    #[test]
    fn a_complete_contact_is_accepted() {
        let c = contact().parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.address_lines(), vec!["1000, rue Fictive", "Montréal (Québec)  H0H 0H0"]);
    }

    #[test]
    fn each_field_is_checked() {
        let code = |c: PrivacyContact| c.parse().err().and_then(|e| e.first().map(|f| (f.field, f.code)));
        assert_eq!(code(PrivacyContact { title: " ".into(), ..contact() }), Some(("title", "required")));
        assert_eq!(code(PrivacyContact { email: "nobody".into(), ..contact() }), Some(("email", "invalid-email")));
        assert_eq!(code(PrivacyContact { phone: "call me".into(), ..contact() }), Some(("phone", "invalid-phone")));
        assert_eq!(
            code(PrivacyContact { postal_address: String::new(), ..contact() }),
            Some(("postal_address", "required"))
        );
    }
}
