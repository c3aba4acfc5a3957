//! The HTTP server, shared by `serve` and `demo`.

use std::net::SocketAddr;

use passerelle_store::Store;
use passerelle_web::{AppState, WebConfig};

use crate::Failure;
use crate::location::InstallArgs;

/// `passerelle serve`.
pub async fn serve(
    install: &InstallArgs,
    listen: SocketAddr,
    public_url: Option<&str>,
    trust_proxy: bool,
) -> Result<(), Failure> {
    let (store, opened) = install.open().await?;
    if opened.new_master_key {
        tracing::info!("created a new master key file; keep a copy of it with the backups, apart from them");
    }
    let base = public_url.map_or_else(|| format!("http://{listen}"), |u| u.trim_end_matches('/').to_owned());
    if store.count_users().await? == 0 {
        let token = store.create_setup_link().await?;
        // A one-time secret for the operator who just started the server, on standard output.
        crate::admin::print_line(&format!(
            "First start: open this one-time link to create the first administrator (valid 24 hours):\n  {base}/setup/{token}"
        ))?;
    }
    let config = WebConfig {
        secure_cookies: base.starts_with("https://"),
        trust_forwarded_for: trust_proxy,
        ..WebConfig::default()
    };
    run_http(store, config, listen, &base).await
}

/// Serves the application until Ctrl-C or SIGTERM.
pub async fn run_http(store: Store, config: WebConfig, listen: SocketAddr, base: &str) -> Result<(), Failure> {
    let state = AppState::new(store.clone(), config).map_err(|e| Failure::other("cannot load translations", e))?;
    let app = passerelle_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Failure::Input(format!("cannot listen on {listen}: {e}")))?;
    tracing::info!(address = %listen, backend = store.db.backend(), "Passerelle is ready");
    crate::admin::print_line(&format!("Passerelle is listening on {base}"))?;
    let purge = tokio::spawn(purge_sessions(store.clone()));
    let retention = tokio::spawn(crate::retention::daily(store.clone()));
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown()).await;
    purge.abort();
    retention.abort();
    store.close().await;
    served.map_err(|e| Failure::other("server error", e))
}

/// Deletes expired sessions every ten minutes.
async fn purge_sessions(store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_mins(10));
    loop {
        tick.tick().await;
        if let Err(e) = store.purge_sessions().await {
            tracing::warn!(error = %e, "session purge failed");
        }
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
