//! The routes under the base path, and the layers around them: request
//! log, security headers, body limit, request timeout.
//!
//! GET and HEAD never change anything (link scanners fetch every link in
//! an email); only POST subscribes, confirms, unsubscribes or resubscribes.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tower::ServiceExt;

use super::app::App;
use super::files;
use super::form::{field, is_form};
use super::pages::{self, Page};
use crate::membership::{self, Confirmation, RequestLimits};

/// The largest request body accepted.
pub(crate) const BODY_LIMIT: usize = 8 * 1024;

type Shared = State<Arc<App>>;

/// The client's socket address, and the request path as the client sent it
/// with tokens hidden, for the log.
#[derive(Clone)]
struct Client {
    peer: SocketAddr,
    logged_path: String,
    /// The path is not under the base path.
    outside: bool,
}

/// The routes (paths relative to the base path) with their layers.
pub(crate) fn router(app: Arc<App>) -> Router {
    let mut routes = Router::new()
        .route("/healthz", get(healthz))
        .route("/subscribe", get(subscribe_form).post(subscribe))
        .route("/confirm/{token}", get(confirm_page).post(confirm))
        .route(
            "/unsubscribe/{token}",
            get(unsubscribe_page).post(unsubscribe),
        );
    if let Some((path, _)) = &app.unsubscribe_query {
        routes = routes.route(path, get(unsubscribe_page_q).post(unsubscribe_q));
    }
    if let Some(prefix) = &app.unsubscribe_prefix {
        routes = routes.route(
            &format!("{prefix}{{token}}"),
            get(unsubscribe_page).post(unsubscribe),
        );
    }
    let timeout = Duration::from_secs(app.settings.request_timeout_seconds);
    routes
        .fallback(static_file)
        .layer(middleware::from_fn_with_state(Arc::clone(&app), guard))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(middleware::from_fn(move |req, next| {
            log(req, next, timeout)
        }))
        .with_state(app)
}

/// The service of one connection: notes the peer and the logged path, and
/// takes the base path off the request path before routing.
pub(crate) fn per_connection(
    router: Router,
    app: Arc<App>,
    peer: SocketAddr,
) -> impl tower::Service<
    hyper::Request<hyper::body::Incoming>,
    Response = Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone {
    router.map_request(move |mut req: hyper::Request<hyper::body::Incoming>| {
        let logged_path = hide_tokens(req.uri().path());
        let (uri, outside) = strip_base(req.uri(), &app.base);
        *req.uri_mut() = uri;
        req.extensions_mut().insert(Client {
            peer,
            logged_path,
            outside,
        });
        req
    })
}

/// The URI with `base` taken off its path; `outside` when the path is not
/// under it.
fn strip_base(uri: &Uri, base: &str) -> (Uri, bool) {
    let path = uri.path();
    let rest = match path.strip_prefix(base) {
        Some("") => "/",
        Some(r) if r.starts_with('/') => r,
        _ => return (Uri::from_static("/"), true),
    };
    let pq = match uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_string(),
    };
    match pq.parse() {
        Ok(u) => (u, false),
        Err(_) => (Uri::from_static("/"), true),
    }
}

/// The path for the log: what follows `confirm/` or `unsubscribe/` (and
/// any query) replaced by `<token>`.
fn hide_tokens(path: &str) -> String {
    for marker in ["/confirm/", "/unsubscribe/"] {
        if let Some(i) = path.find(marker) {
            return format!("{}<token>", &path[..i + marker.len()]);
        }
    }
    path.to_string()
}

/// One log line per request (method, path without tokens, status, time),
/// and the request timeout around the handling (body included).
async fn log(req: Request, next: Next, timeout: Duration) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req
        .extensions()
        .get::<Client>()
        .map(|c| c.logged_path.clone())
        .unwrap_or_default();
    let mut response = match tokio::time::timeout(timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => (StatusCode::REQUEST_TIMEOUT, "The request took too long.\n").into_response(),
    };
    pages::secure(response.headers_mut());
    eprintln!(
        "{method} {path} {} {:.1}ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}

/// Rejects what is outside the base path and turns the body limit's bare
/// 413 into a page.
async fn guard(State(app): Shared, req: Request, next: Next) -> Response {
    if req.extensions().get::<Client>().is_some_and(|c| c.outside) {
        return Page::not_found().render(&app);
    }
    let response = next.run(req).await;
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_large().render(&app),
        _ => response,
    }
}

fn too_large() -> Page {
    Page::message(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Too large",
        "The form sent more than this site accepts.",
    )
}

/// A failure on our side (the state, the mail server): logged, 503.
fn unavailable(app: &App, e: &crate::Error) -> Response {
    eprintln!("serve: {}", crate::report(e));
    Page::message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
        "Something went wrong on our side. Please try again in a few minutes.",
    )
    .render(app)
}

/// The client's address: the socket's, or with `trust_forwarded_for` the
/// last (proxy-added) address in `X-Forwarded-For`.
fn client_ip(app: &App, req_headers: &HeaderMap, client: Option<&Client>) -> Option<IpAddr> {
    let socket = client.map(|c| c.peer.ip());
    if !app.settings.trust_forwarded_for {
        return socket;
    }
    let mut forwarded = req_headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok());
    forwarded.next_back().or(socket)
}

// ---- Routes --------------------------------------------------------------

async fn healthz(State(app): Shared) -> Response {
    match app.db(|s, _| s.suppressed_count()).await {
        Ok(_) => {
            let mut r = (StatusCode::OK, "ok\n").into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => unavailable(&app, &e),
    }
}

async fn subscribe_form(State(app): Shared) -> Response {
    Page::new("subscribe.html", "form").render(&app)
}

async fn subscribe(State(app): Shared, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if !is_form(&parts.headers) {
        return unsupported().render(&app);
    }
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => return too_large().render(&app),
    };
    let client = parts.extensions.get::<Client>();
    let ip = client_ip(&app, &parts.headers, client);
    let now = app.now();
    if let Some(ip) = ip
        && !app.per_client.allow(ip, now)
    {
        return Page::message(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            "Too many sign-ups came from your network in the last hour. Please try again later.",
        )
        .render(&app);
    }
    let sent = Page::new("subscribed.html", "sent");
    // The honeypot: a field people never see, that bots fill in.
    if field(&body, "website").is_some_and(|v| !v.is_empty()) {
        return sent.render(&app);
    }
    let email = field(&body, "email").unwrap_or_default();
    let name = field(&body, "name");
    match request_and_mail(&app, email, name).await {
        Ok(()) => sent.render(&app),
        Err(e) => unavailable(&app, &e),
    }
}

/// Records a subscribe request and sends the confirmation email if one
/// is due. A mail failure is logged, not shown (the page is the same).
async fn request_and_mail(
    app: &Arc<App>,
    email: String,
    name: Option<String>,
) -> crate::Result<()> {
    let limits = RequestLimits {
        per_address_per_day: app.settings.confirmations_per_address_per_day,
        confirm_hours: app.settings.confirm_hours,
    };
    app.db(move |state, app| {
        let now = app.now();
        let mail = membership::request(state, &app.tokens, &email, name.as_deref(), now, limits)?;
        if let Some(mail) = mail
            && let Err(e) = super::mail::send(app, &mail)
        {
            eprintln!("serve: {}", crate::report(&e));
        }
        Ok(())
    })
    .await
}

fn unsupported() -> Page {
    Page::message(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Unsupported form",
        "This page accepts only ordinary HTML form posts.",
    )
}

/// A token from the path; a path that does not decode is like an unknown
/// token.
type TokenPath = Result<Path<String>, axum::extract::rejection::PathRejection>;

async fn confirm_page(State(app): Shared, token: TokenPath) -> Response {
    let Ok(Path(token)) = token else {
        return Page::not_found().render(&app);
    };
    let now = app.now();
    let checked = app
        .db(move |s, app| membership::check_confirm(s, &app.tokens, &token, now))
        .await;
    match checked {
        Ok(Confirmation::Valid(m)) => Page::new("confirm_page.html", "ask")
            .with(json!({"member": {"masked": m.masked()}}))
            .render(&app),
        Ok(Confirmation::Expired(m)) => expired(&m).render(&app),
        Ok(Confirmation::NotFound) => Page::not_found().render(&app),
        Err(e) => unavailable(&app, &e),
    }
}

fn expired(m: &membership::Member) -> Page {
    Page::new("confirm_page.html", "expired")
        .with(json!({"member": {"masked": m.masked()}}))
        .status(StatusCode::GONE)
}

async fn confirm(
    State(app): Shared,
    token: TokenPath,
    headers: HeaderMap,
    client: Option<axum::Extension<Client>>,
    body: Bytes,
) -> Response {
    let Ok(Path(token)) = token else {
        return Page::not_found().render(&app);
    };
    let now = app.now();
    let resend = field(&body, "action").as_deref() == Some("resend");
    let ip = app
        .settings
        .record_ip
        .then(|| client_ip(&app, &headers, client.as_deref()))
        .flatten()
        .map(|ip| ip.to_string());
    let t = token.clone();
    let result = app
        .db(move |s, app| {
            if resend {
                return membership::check_confirm(s, &app.tokens, &t, now);
            }
            membership::confirm(s, &app.tokens, &t, now, ip.as_deref())
        })
        .await;
    match result {
        Ok(Confirmation::Valid(_)) if resend => Page::new("subscribed.html", "sent").render(&app),
        Ok(Confirmation::Valid(m)) => Page::new("confirm_page.html", "done")
            .with(json!({"member": {"masked": m.masked()}}))
            .render(&app),
        Ok(Confirmation::Expired(m)) if resend => {
            match request_and_mail(&app, m.email, None).await {
                Ok(()) => Page::new("subscribed.html", "sent").render(&app),
                Err(e) => unavailable(&app, &e),
            }
        }
        Ok(Confirmation::Expired(m)) => expired(&m).render(&app),
        Ok(Confirmation::NotFound) => Page::not_found().render(&app),
        Err(e) => unavailable(&app, &e),
    }
}

/// The query of a configured unsubscribe URL (`?token=`).
type TokenQuery = std::collections::HashMap<String, String>;

fn query_token(app: &App, q: &TokenQuery) -> String {
    app.unsubscribe_query
        .as_ref()
        .and_then(|(_, name)| q.get(name).cloned())
        .unwrap_or_default()
}

async fn unsubscribe_page_q(State(app): Shared, uri: Uri, Query(q): Query<TokenQuery>) -> Response {
    let token = query_token(&app, &q);
    show_unsubscribe(app, token, uri).await
}

async fn unsubscribe_q(
    State(app): Shared,
    uri: Uri,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = query_token(&app, &q);
    act_unsubscribe(app, token, uri, &headers, &body).await
}

async fn unsubscribe_page(State(app): Shared, uri: Uri, token: TokenPath) -> Response {
    let Ok(Path(token)) = token else {
        return Page::not_found().render(&app);
    };
    show_unsubscribe(app, token, uri).await
}

async fn unsubscribe(
    State(app): Shared,
    uri: Uri,
    token: TokenPath,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(Path(token)) = token else {
        return Page::not_found().render(&app);
    };
    act_unsubscribe(app, token, uri, &headers, &body).await
}

/// The form's target: the request's own URL under the base path.
fn own_url(app: &App, uri: &Uri) -> String {
    let pq = uri.path_and_query().map_or("/", |p| p.as_str());
    format!("{}{pq}", app.base)
}

/// GET: the masked address and a button; changes nothing.
async fn show_unsubscribe(app: Arc<App>, token: String, uri: Uri) -> Response {
    let found = app
        .db(move |s, app| membership::resolve(s, &app.tokens, &token))
        .await;
    match found {
        Ok(Some(m)) => Page::new("unsubscribe_page.html", "ask")
            .with(json!({"member": {"masked": m.masked()}, "action": own_url(&app, &uri)}))
            .render(&app),
        Ok(None) => Page::not_found().render(&app),
        Err(e) => unavailable(&app, &e),
    }
}

/// POST: unsubscribes (RFC 8058 one-click, or the page's button) or, with
/// `action=resubscribe`, undoes it. Answers 200 with a page, never a
/// redirect.
async fn act_unsubscribe(
    app: Arc<App>,
    token: String,
    uri: Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let resubscribe = is_form(headers) && field(body, "action").as_deref() == Some("resubscribe");
    let now = app.now();
    let result = app
        .db(move |s, app| {
            if resubscribe {
                membership::resubscribe(s, &app.tokens, &token)
            } else {
                membership::unsubscribe(s, &app.tokens, &token, now)
            }
        })
        .await;
    let state = if resubscribe { "resubscribed" } else { "done" };
    match result {
        Ok(Some(m)) => Page::new("unsubscribe_page.html", state)
            .with(json!({"member": {"masked": m.masked()}, "action": own_url(&app, &uri)}))
            .render(&app),
        Ok(None) => Page::not_found().render(&app),
        Err(e) => unavailable(&app, &e),
    }
}

/// Everything else: a file of the archive (GET, HEAD), else 404 / 405.
async fn static_file(State(app): Shared, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let head = method == Method::HEAD;
    if method != Method::GET && !head {
        let mut r = Page::message(
            StatusCode::METHOD_NOT_ALLOWED,
            "Not allowed",
            "This address only shows pages.",
        )
        .render(&app);
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let rel = uri.path().to_string();
    let app2 = Arc::clone(&app);
    // Finding and reading the file on one blocking thread: one hop.
    let found = tokio::task::spawn_blocking(move || {
        files::locate(&app2, &rel).map(|f| f.map(|f| files::respond(f, &headers, head)))
    })
    .await
    .ok()
    .flatten();
    match found {
        Some(Ok(response)) => response,
        Some(Err(())) => {
            let location = format!("{}{}/", app.base, uri.path());
            let mut r = StatusCode::PERMANENT_REDIRECT.into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        None => Page::not_found().render(&app),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_hidden_in_the_log() {
        assert_eq!(hide_tokens("/n/unsubscribe/abc"), "/n/unsubscribe/<token>");
        assert_eq!(hide_tokens("/n/confirm/abc/x"), "/n/confirm/<token>");
        assert_eq!(hide_tokens("/n/subscribe"), "/n/subscribe");
    }

    #[test]
    fn the_base_path_is_taken_off() {
        let u: Uri = "/n/subscribe?x=1".parse().unwrap();
        assert_eq!(strip_base(&u, "/n").0, "/subscribe?x=1");
        assert_eq!(strip_base(&"/n".parse().unwrap(), "/n").0, "/");
        assert!(strip_base(&"/nx".parse().unwrap(), "/n").1);
        assert!(strip_base(&"/other".parse().unwrap(), "/n").1);
        assert_eq!(strip_base(&"/a".parse().unwrap(), "").0, "/a");
    }
}
