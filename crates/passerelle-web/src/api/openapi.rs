//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{cases, handlers, plans};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Passerelle API", description = "Personal API tokens (Bearer). Errors: {\"error\": {\"code\", \"message\", \"field\"}}."),
    paths(
        handlers::me,
        handlers::organizations,
        handlers::users,
        handlers::audit_entries,
        handlers::evaluate_screening,
        cases::list,
        cases::get,
        cases::create,
        cases::add_note,
        cases::set_status,
        cases::assign,
        plans::assessments,
        plans::add_assessment,
        plans::plan,
        plans::save_plan,
        plans::plan_step,
        plans::services,
        plans::add_service,
        plans::followups,
        plans::add_followup
    ),
    components(schemas(super::ErrorBody, super::ErrorDetail, handlers::Me, cases::CaseView, cases::CaseLine, cases::NewCase, cases::NewNote, cases::StatusBody, cases::AssignBody)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
