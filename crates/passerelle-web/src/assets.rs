//! Static assets, embedded in the binary: the pages work inside closed agency networks and
//! never ask another host for anything.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The stylesheet.
pub const STYLESHEET: &str = include_str!("../assets/app.css");

/// Its path; the version in the name lets browsers cache it for a long time.
pub const STYLESHEET_PATH: &str = concat!("/static/app-", env!("CARGO_PKG_VERSION"), ".css");

/// Serves an embedded asset.
pub async fn serve(Path(file): Path<String>) -> Response {
    if format!("/static/{file}") == STYLESHEET_PATH {
        (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            STYLESHEET,
        )
            .into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}
