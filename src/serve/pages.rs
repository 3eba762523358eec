//! Pages: Tera templates (built in, overridable) in the archive's look,
//! answered with the security headers every response carries.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::app::App;
use crate::error::Result;
use crate::render::context::{CfpContext, NewsletterContext};

/// `Content-Security-Policy` of every response: no scripts, no external
/// anything, forms only to this site.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'";

/// The page templates and a sample of what each receives: rendered once at
/// start, so a broken override stops `serve` before it listens.
const PAGES: &[(&str, &str)] = &[
    ("subscribe.html", "form"),
    ("subscribed.html", "sent"),
    ("confirm_page.html", "ask"),
    ("confirm_page.html", "done"),
    ("confirm_page.html", "expired"),
    ("unsubscribe_page.html", "ask"),
    ("unsubscribe_page.html", "done"),
    ("unsubscribe_page.html", "resubscribed"),
    ("message.html", "error"),
];

/// A page to answer with.
pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) template: &'static str,
    /// `page.state` (which variant of the template).
    pub(crate) state: &'static str,
    /// More keys for the template.
    pub(crate) extra: Value,
    /// Pages reached through a token are never stored by caches.
    pub(crate) no_store: bool,
}

impl Page {
    /// A page of `template` in `state`.
    pub(crate) fn new(template: &'static str, state: &'static str) -> Page {
        Page {
            status: StatusCode::OK,
            template,
            state,
            extra: Value::Null,
            no_store: true,
        }
    }

    /// The short page of an error: `status`, a title and one sentence.
    pub(crate) fn message(status: StatusCode, title: &str, text: &str) -> Page {
        Page {
            status,
            template: "message.html",
            state: "error",
            extra: json!({"message": {"title": title, "text": text}}),
            no_store: true,
        }
    }

    /// The 404 page, the same for a forged token, an unknown address and a
    /// missing file.
    pub(crate) fn not_found() -> Page {
        Page::message(
            StatusCode::NOT_FOUND,
            "Not found",
            "This link is not valid. If you copied it from an email, check that it is complete.",
        )
    }

    pub(crate) fn with(mut self, extra: Value) -> Page {
        self.extra = extra;
        self
    }

    pub(crate) fn status(mut self, status: StatusCode) -> Page {
        self.status = status;
        self
    }

    /// Renders the page for `app`.
    pub(crate) fn render(self, app: &App) -> Response {
        match render(app, self.template, self.state, &self.extra) {
            Ok(html) => {
                let mut r = (self.status, html).into_response();
                let h = r.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                if self.no_store {
                    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                }
                r
            }
            Err(e) => {
                eprintln!("serve: {}", crate::report(&e));
                let mut r = (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The page could not be rendered; the error is in the server's log.\n",
                )
                    .into_response();
                r.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                r
            }
        }
    }
}

/// Renders `template` with the newsletter, the CFP, the links of the site
/// and `extra`.
fn render(app: &App, template: &str, state: &str, extra: &Value) -> Result<String> {
    let now = app.now();
    let base = &app.base;
    let mut ctx = json!({
        "newsletter": NewsletterContext::from_config(&app.config),
        "cfp": CfpContext::from_config(&app.config, app.config.cfp.days_left(now)),
        "page": {
            "state": state,
            "index": format!("{base}/"),
            "feed": format!("{base}/{}", crate::render::context::feed_file_name(&app.config)),
            "subscribe": format!("{base}/subscribe"),
            "confirm_hours": app.settings.confirm_hours,
        },
    });
    if let (Value::Object(into), Value::Object(from)) = (&mut ctx, extra) {
        for (k, v) in from {
            into.insert(k.clone(), v.clone());
        }
    }
    let ctx = tera::Context::from_serialize(&ctx)
        .map_err(|e| crate::error::Error::failed("cannot build the page context").with_source(e))?;
    app.renderer.render(template, &ctx)
}

/// Renders every page once with sample values.
pub(crate) fn check_templates(app: &App) -> Result<()> {
    let sample = json!({
        "member": {"masked": "a***@example.org"},
        "action": "/unsubscribe/sample",
        "message": {"title": "Not found", "text": "Sample."},
    });
    for (template, state) in PAGES {
        render(app, template, state, &sample)?;
    }
    Ok(())
}

/// Adds the headers every response carries.
pub(crate) fn secure(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}
