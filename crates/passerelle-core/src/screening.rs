//! What the platform records around a screening: its progress and the professional's own
//! decision. (The evaluation itself is the `passerelle-screening` crate.)

use std::str::FromStr;

use serde::Serialize;

/// Where a screening stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreeningStatus {
    /// Being filled in; can be resumed.
    Draft,
    /// Evaluated; facts are frozen.
    Completed,
}

impl ScreeningStatus {
    /// The stable name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            ScreeningStatus::Draft => "draft",
            ScreeningStatus::Completed => "completed",
        }
    }

    /// Parses the storage form.
    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(ScreeningStatus::Draft),
            "completed" => Some(ScreeningStatus::Completed),
            _ => None,
        }
    }
}

/// The professional's decision after reading the result: the result never decides alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Open a case in this organization.
    OpenCase,
    /// Refer to a partner organization.
    Refer,
    /// Report to the director of youth protection (DPJ).
    ReportDpj,
    /// Call the police or 911.
    CallPolice,
    /// Keep watching; screen again if new facts appear.
    Monitor,
    /// No further action.
    NoFurtherAction,
}

impl Decision {
    /// Every decision, in the order shown.
    pub const ALL: [Decision; 6] = [
        Decision::ReportDpj,
        Decision::CallPolice,
        Decision::OpenCase,
        Decision::Refer,
        Decision::Monitor,
        Decision::NoFurtherAction,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::OpenCase => "open_case",
            Decision::Refer => "refer",
            Decision::ReportDpj => "report_dpj",
            Decision::CallPolice => "call_police",
            Decision::Monitor => "monitor",
            Decision::NoFurtherAction => "no_further_action",
        }
    }
}

/// A decision name that does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown decision")]
pub struct UnknownDecision;

impl FromStr for Decision {
    type Err = UnknownDecision;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decision::ALL.into_iter().find(|d| d.as_str() == s.trim()).ok_or(UnknownDecision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in Decision::ALL {
            assert_eq!(d.as_str().parse::<Decision>(), Ok(d));
        }
        assert!("maybe".parse::<Decision>().is_err());
        for s in [ScreeningStatus::Draft, ScreeningStatus::Completed] {
            assert_eq!(ScreeningStatus::from_db(s.as_str()), Some(s));
        }
        assert_eq!(ScreeningStatus::from_db("x"), None);
    }
}
