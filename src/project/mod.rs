//! A loaded project: the configuration, the topic list, the plan, the
//! moment the run treats as now, and the environment, each read once.
//!
//! Every front door (a CLI command, an HTTP route) starts from a
//! [`Project`]; the library's operations take it as data and never read
//! the process environment themselves.

use std::fmt;
use std::io::IsTerminal;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::clock::{self, NowArg};
use crate::compose::Composer;
use crate::config::Config;
use crate::error::Result;
use crate::schedule::{self, History, Plan};
use crate::topics::TopicList;
use crate::words::Words;

/// Everything an operation needs about the project.
pub struct Project {
    /// The validated configuration.
    pub config: Config,
    /// The parsed topic list.
    pub topics: TopicList,
    /// The schedule.
    pub plan: Plan,
    /// The organizer's notes per category and the tips, laid out over the
    /// plan.
    pub words: Words,
    /// `--now`, or the clock: read once, here.
    pub now: DateTime<Utc>,
    /// The environment, read once, here.
    pub env: Env,
}

/// What the run takes from the process environment, read in one place
/// ([`Env::read`]). `Debug` never shows the secrets.
#[derive(Clone, Default)]
pub struct Env {
    /// The unsubscribe secret (the variable named by
    /// `unsubscribe.secret_env`), if set.
    pub unsubscribe_secret: Option<String>,
    /// The SMTP password (the variable named by `smtp.password_env`), read
    /// only when `smtp.username` is set.
    pub smtp_password: Option<String>,
    /// `NO_COLOR` is set to something: output stays plain.
    pub no_color: bool,
    /// Standard error is a terminal (a progress bar may be drawn).
    pub stderr_is_terminal: bool,
}

impl Env {
    /// Reads the variables `config` names, `NO_COLOR` and whether standard
    /// error is a terminal.
    pub fn read(config: &Config) -> Env {
        Env {
            unsubscribe_secret: std::env::var(&config.unsubscribe.secret_env).ok(),
            smtp_password: config
                .smtp
                .username
                .as_ref()
                .and_then(|_| std::env::var(&config.smtp.password_env).ok()),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            stderr_is_terminal: std::io::stderr().is_terminal(),
        }
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |s: &Option<String>| if s.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("Env")
            .field("unsubscribe_secret", &set(&self.unsubscribe_secret))
            .field("smtp_password", &set(&self.smtp_password))
            .field("no_color", &self.no_color)
            .field("stderr_is_terminal", &self.stderr_is_terminal)
            .finish()
    }
}

impl Project {
    /// Loads config, topic list, the published history (the issues frozen
    /// in the state, if it exists) and the plan made from them, and reads
    /// the environment. Bad input is an exit-2 error.
    pub fn load(config_path: &Path, now: Option<NowArg>) -> Result<Project> {
        let config = Config::from_file(config_path)?;
        let topics = TopicList::from_file(&config.content.topics)?;
        let (history, frozen) = match crate::state::State::open_existing(&config.state.path)? {
            Some(state) => {
                let frozen = state.frozen_issues()?;
                (History::from_frozen(&frozen, state.path())?, frozen)
            }
            None => (History::default(), Vec::new()),
        };
        let plan = schedule::plan_with_history(&config, &topics, &history)?;
        let words = Words::load(&config, &topics, &plan, &frozen)?;
        let now = match now {
            Some(arg) => arg.resolve(config.schedule.timezone.tz),
            None => clock::now(),
        };
        let env = Env::read(&config);
        Ok(Project {
            config,
            topics,
            plan,
            words,
            now,
            env,
        })
    }

    /// The message composer of this project, with the unsubscribe secret
    /// from the environment.
    pub fn composer(&self) -> Result<Composer> {
        Composer::new(&self.config, self.env.unsubscribe_secret.clone())
    }

    /// The topic list's warnings, rendered with its path.
    pub fn topic_warnings(&self) -> Vec<String> {
        self.topics
            .warnings
            .iter()
            .map(|w| w.render(&self.config.content.topics))
            .collect()
    }

    /// Category names, each in backquotes (`A, B`, `C`): names may hold
    /// commas, so a bare comma-joined list would be ambiguous.
    pub fn quoted_names(&self, cats: &[usize]) -> String {
        self.category_names(cats)
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Category names of an issue.
    pub fn category_names(&self, cats: &[usize]) -> Vec<&str> {
        cats.iter()
            .filter_map(|&c| self.topics.categories.get(c))
            .map(|c| c.name.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests;
