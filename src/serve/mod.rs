//! `newsletter serve`: the HTTP front door for subscribers, next to the
//! CLI. Every route turns a request into one call of the library
//! ([`crate::membership`], the state, the static archive) and the result
//! into a page.
//!
//! The stack: tokio, hyper's HTTP/1.1 connection builder (from
//! hyper-util) with a timer, so a client that trickles its headers is
//! dropped after `serve.request_timeout_seconds`, and axum for routing. A
//! semaphore caps the connections served at once; each request's body is
//! limited to 8 KiB and its whole handling to the same timeout. SIGINT and
//! SIGTERM stop accepting, let requests in flight finish, and return.
//!
//! The server takes "now" from [`crate::clock::now`] per request, or the
//! fixed `--now` for the whole run.

mod app;
mod files;
mod form;
mod limits;
mod mail;
mod pages;
mod routes;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::sync::Semaphore;

use crate::clock::NowArg;
use crate::config::Config;
use crate::error::{Error, Result};

/// How `newsletter serve` was started.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--listen`, overriding `serve.listen`.
    pub listen: Option<SocketAddr>,
    /// `--now`: a fixed time for the whole run (for tests).
    pub now: Option<NowArg>,
}

/// The largest request head (request line and headers) read, in bytes.
const MAX_HEAD: usize = 16 * 1024;

/// Runs the server until SIGINT or SIGTERM. Setup problems (no secret, no
/// base URL, a template that does not render, an address in use) are
/// errors before anything is served.
pub fn run(config: Config, options: Options) -> Result<()> {
    let env = crate::project::Env::read(&config);
    let app = Arc::new(app::App::new(config, env, options.now)?);
    let listen = options.listen.unwrap_or(app.settings.listen);
    let listener = std::net::TcpListener::bind(listen)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| {
            Error::failed(format!("cannot listen on {listen}: {e}"))
                .with_help("pick another address with --listen or serve.listen")
                .with_source(e)
        })?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::failed("cannot read the listening address").with_source(e))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(64)
        .build()
        .map_err(|e| Error::failed("cannot start the server's runtime").with_source(e))?;
    eprintln!(
        "serving {} on http://{local}{}/ (stop with Ctrl-C or SIGTERM)",
        app.config.newsletter.title, app.base
    );
    runtime.block_on(serve(listener, app))
}

/// The accept loop, then the graceful shutdown.
async fn serve(listener: std::net::TcpListener, app: Arc<app::App>) -> Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|e| Error::failed("cannot listen").with_source(e))?;
    let timeout = Duration::from_secs(app.settings.request_timeout_seconds);
    let slots = Arc::new(Semaphore::new(app.settings.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeout)
        .max_buf_size(MAX_HEAD)
        .keep_alive(true);
    let router = routes::router(Arc::clone(&app));
    let stop = shutdown_signal();
    tokio::pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot,
            () = &mut stop => break,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut stop => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: wait, don't spin.
                eprintln!("serve: cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let svc = routes::per_connection(router.clone(), Arc::clone(&app), peer);
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    eprintln!("serve: stopping; finishing the requests in flight");
    if tokio::time::timeout(timeout * 2, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!("serve: some connections did not finish in time; closing them");
    }
    eprintln!("serve: stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}
