//! Alerts in the application: what someone must know at once (an emergency access to one of
//! their organization's cases; a referral received, or the answer to one sent). Each person sees their own alerts only; the
//! navigation counts the unread ones on every page.

use askama::Template;
use axum::extract::{Path, State};
use passerelle_core::ids::{AlertId, BreakGlassId, ReferralId};
use passerelle_core::role::Action;
use passerelle_store::break_glass::{ALERT_OPENED, Alert};
use passerelle_store::exchange::{ALERT_ANSWERED, ALERT_RECEIVED};

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::pages::break_glass::reason_label;
use crate::pages::{render, see_other};

/// The most alerts listed.
const LIMIT: i64 = 100;

/// One alert, ready to show.
#[derive(Debug)]
pub struct AlertView {
    /// The alert.
    pub id: AlertId,
    /// When it was raised.
    pub when: String,
    /// What it says.
    pub text: String,
    /// Where to act on it, with the link's text.
    pub link: Option<(String, String)>,
    /// Whether it is not read yet.
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    ctx: Ctx,
    alerts: Vec<AlertView>,
}

/// What an alert says. A small match on its kind: each new kind (referrals…) adds an arm.
async fn describe(state: &AppState, ctx: &Ctx, a: &Alert) -> Result<(String, Option<(String, String)>), AppError> {
    match a.kind.as_str() {
        ALERT_OPENED => {
            let id: BreakGlassId = a.object_id.parse().map_err(|_| AppError::Internal("alert object"))?;
            let g = state.store.break_glass_grant(id).await?;
            let who = state.store.user(g.user_id).await?.display_name;
            let code = state.store.case_code(g.case_id).await?;
            let text = ctx.tn(
                "alert-break-glass-opened",
                &[
                    ("who", &who),
                    ("code", &code),
                    ("reason", &reason_label(ctx, g.reason)),
                    ("until", &ctx.when(&g.expires_at)),
                ],
            );
            // The privacy officer reviews it; an administrator is informed only.
            let link =
                ctx.can(Action::ViewAccessReport).then(|| ("/privacy/break-glass".to_owned(), ctx.t("alert-review")));
            Ok((text, link))
        }
        // A referral alert names the other organization only; the referral page decides, on
        // each view, what this person may see of it.
        ALERT_RECEIVED | ALERT_ANSWERED => {
            let id: ReferralId = a.object_id.parse().map_err(|_| AppError::Internal("alert object"))?;
            let r = state.store.referral(id).await?;
            let text = if a.kind == ALERT_RECEIVED {
                ctx.t1("alert-referral-received", "org", &state.store.org(r.from_org).await?.name)
            } else {
                let answer = ctx.t(&format!("referral-status-{}", r.status.as_str()));
                ctx.tn(
                    "alert-referral-answered",
                    &[("org", &state.store.org(r.to_org).await?.name), ("status", &answer)],
                )
            };
            Ok((text, Some((format!("/referrals/{id}"), ctx.t("alert-referral-open")))))
        }
        other => Ok((other.to_owned(), None)),
    }
}

/// `GET /alerts`: the person's alerts, newest first.
pub async fn list(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    let mut alerts = Vec::new();
    for a in state.store.alerts_for(who.user().id, LIMIT).await? {
        let (text, link) = describe(&state, &ctx, &a).await?;
        alerts.push(AlertView { id: a.id, when: ctx.when(&a.created_at), text, link, unread: a.read_at.is_none() });
    }
    render(&AlertsPage { ctx, alerts })
}

/// `POST /alerts/{id}/read`.
pub async fn mark_read(State(state): State<AppState>, who: Signed, Path(id): Path<String>) -> PageResult {
    let id: AlertId = id.parse().map_err(|_| AppError::NotFound)?;
    state.store.mark_alert_read(id, who.user().id, passerelle_core::time::now()).await?;
    Ok(see_other("/alerts"))
}
