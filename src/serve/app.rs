//! What every request shares: the config, the templates, the token maker,
//! the state connection and the per-client limiter.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::limits::PerClient;
use crate::clock::{self, NowArg};
use crate::config::{Config, ServeSettings};
use crate::error::{Error, Result};
use crate::project::Env;
use crate::render::Renderer;
use crate::state::State;
use crate::token::Tokens;

/// The server's shared state.
pub(crate) struct App {
    pub(crate) config: Config,
    pub(crate) settings: ServeSettings,
    /// The path of `base_url` without a trailing slash ("" at the root).
    pub(crate) base: String,
    /// `base_url` without a trailing slash, for links in emails.
    pub(crate) public_url: String,
    pub(crate) renderer: Renderer,
    pub(crate) tokens: Tokens,
    state: Mutex<State>,
    fixed_now: Option<DateTime<Utc>>,
    pub(crate) per_client: PerClient,
    /// The SMTP password from the environment (never shown).
    pub(crate) password: Option<String>,
    /// A configured `unsubscribe.url` served with the token in its query:
    /// (path under base, parameter name).
    pub(crate) unsubscribe_query: Option<(String, String)>,
    /// A configured `unsubscribe.url` with the token as its last path
    /// segment, other than `unsubscribe/`: the path under base before it.
    pub(crate) unsubscribe_prefix: Option<String>,
}

impl App {
    /// Checks the setup and opens what the server needs.
    pub(crate) fn new(config: Config, env: Env, now: Option<NowArg>) -> Result<App> {
        let settings = config.serve.clone().unwrap_or_default();
        let public_url = config.base_url()?.trim_end_matches('/').to_string();
        let base = base_path(&public_url);
        let tokens = crate::membership::tokens(
            env.unsubscribe_secret.as_deref(),
            &config.unsubscribe.secret_env,
            "`newsletter serve`",
        )?;
        let renderer = Renderer::load(&config.templates.dir)?;
        let state = State::open(&config.state.path)?;
        let password = env.smtp_password;
        let fixed_now = now.map(|n| n.resolve(config.schedule.timezone.tz));
        let (unsubscribe_query, unsubscribe_prefix) =
            configured_unsubscribe(config.unsubscribe.url.as_deref(), &public_url);
        let app = App {
            per_client: PerClient::new(settings.subscribes_per_ip_per_hour),
            settings,
            base,
            public_url,
            renderer,
            tokens,
            state: Mutex::new(state),
            fixed_now,
            password,
            unsubscribe_query,
            unsubscribe_prefix,
            config,
        };
        super::pages::check_templates(&app)?;
        Ok(app)
    }

    /// Now: `--now` if given, else the clock, read per request.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(clock::now)
    }

    /// Runs `f` on the state on a blocking thread (SQLite may wait for a
    /// running `send`'s write lock).
    pub(crate) async fn db<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut State, &App) -> Result<T> + Send + 'static,
    {
        let app = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut state = app
                .state
                .lock()
                .map_err(|_| Error::failed("the state connection is unusable after a crash"))?;
            f(&mut state, &app)
        })
        .await
        .map_err(|e| Error::failed("a state task failed").with_source(e))?
    }
}

/// The path of a base URL: `https://x.org/weekly/` -> `/weekly`, `""` at
/// the root.
pub(crate) fn base_path(base_url: &str) -> String {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    let path = path.split(['?', '#']).next().unwrap_or("");
    path.trim_end_matches('/').to_string()
}

/// How a configured unsubscribe URL under the base URL carries its token,
/// when it is not the default `<base>/unsubscribe/{token}`.
fn configured_unsubscribe(
    url: Option<&str>,
    public_url: &str,
) -> (Option<(String, String)>, Option<String>) {
    let Some(rest) = url.and_then(|u| u.strip_prefix(public_url)) else {
        return (None, None);
    };
    if let Some((path, query)) = rest.split_once('?') {
        let param = query
            .split('&')
            .find_map(|kv| kv.split_once('=').filter(|(_, v)| *v == "{token}"))
            .map(|(k, _)| k.to_string());
        return (param.map(|p| (path.to_string(), p)), None);
    }
    match rest.strip_suffix("{token}") {
        Some(prefix)
            if prefix != "/unsubscribe/" && prefix.starts_with('/') && prefix.ends_with('/') =>
        {
            (None, Some(prefix.to_string()))
        }
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths() {
        assert_eq!(base_path("https://cfp.example.org/weekly/"), "/weekly");
        assert_eq!(base_path("https://cfp.example.org/weekly"), "/weekly");
        assert_eq!(base_path("https://cfp.example.org"), "");
        assert_eq!(base_path("http://h:8080/a/b?x"), "/a/b");
    }

    #[test]
    fn configured_unsubscribe_urls() {
        let base = "https://x.org/n";
        assert_eq!(
            configured_unsubscribe(Some("https://x.org/n/unsubscribe?token={token}"), base),
            (Some(("/unsubscribe".into(), "token".into())), None)
        );
        assert_eq!(
            configured_unsubscribe(Some("https://x.org/n/u/{token}"), base),
            (None, Some("/u/".into()))
        );
        assert_eq!(
            configured_unsubscribe(Some("https://x.org/n/unsubscribe/{token}"), base),
            (None, None)
        );
        assert_eq!(
            configured_unsubscribe(Some("https://other.org/{token}"), base),
            (None, None)
        );
    }
}
