//! One module per subcommand. Each takes the loaded project and returns the
//! exit code; output goes through [`emit`] so a closed pipe is not a crash.

mod check;
mod feed;
mod init;
pub(crate) mod issue;
mod plan;
mod preview;
mod send;
mod serve;
mod status;

use std::io::Write;

use chrono::{DateTime, Utc};

use crate::cli::{Cli, Command};
use crate::clock::{self, NowArg};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::schedule::{self, Plan};
use crate::topics::TopicList;

/// Runs the subcommand.
pub fn dispatch(cli: Cli) -> Result<u8> {
    let now_arg = cli.now.as_deref().map(NowArg::parse).transpose()?;
    match cli.command {
        Command::Init { dir } => init::run(&dir),
        Command::Check => check::run(&Project::load(&cli.config, now_arg)?),
        Command::Plan { json } => plan::run(&Project::load(&cli.config, now_arg)?, json),
        Command::Preview(args) => preview::run(&Project::load(&cli.config, now_arg)?, &args),
        Command::Send(args) => send::run(&Project::load(&cli.config, now_arg)?, &args),
        Command::Feed => feed::run(&Project::load(&cli.config, now_arg)?),
        Command::Status { json, issue } => {
            status::status(&Config::from_file(&cli.config)?, json, issue)
        }
        Command::Serve(args) => serve::run(&cli.config, now_arg, &args),
        Command::Subscribers(sub) => serve::subscribers(&Config::from_file(&cli.config)?, &sub),
        Command::Unsubscribe(args) => {
            let p = Project::load(&cli.config, now_arg)?;
            status::unsubscribe(&p.config, &args, p.now)
        }
    }
}

/// Everything the commands share: the config, the topic list, the plan and
/// the moment the run treats as now.
pub struct Project {
    /// The validated configuration.
    pub config: Config,
    /// The parsed topic list.
    pub topics: TopicList,
    /// The schedule.
    pub plan: Plan,
    /// `--now`, or the clock: read once, here.
    pub now: DateTime<Utc>,
}

impl Project {
    /// Loads config, topic list and plan. Bad input is an exit-2 error.
    pub fn load(config_path: &std::path::Path, now: Option<NowArg>) -> Result<Project> {
        let config = Config::from_file(config_path)?;
        let topics = TopicList::from_file(&config.content.topics)?;
        let plan = schedule::plan(&config, &topics)?;
        let now = match now {
            Some(arg) => arg.resolve(config.schedule.timezone.tz),
            None => clock::now(),
        };
        Ok(Project {
            config,
            topics,
            plan,
            now,
        })
    }

    /// The topic list's warnings, rendered with its path.
    pub fn topic_warnings(&self) -> Vec<String> {
        self.topics
            .warnings
            .iter()
            .map(|w| w.render(&self.config.content.topics))
            .collect()
    }

    /// Category names of an issue.
    pub fn category_names(&self, cats: &[usize]) -> Vec<&str> {
        cats.iter()
            .filter_map(|&c| self.topics.categories.get(c))
            .map(|c| c.name.as_str())
            .collect()
    }
}

/// Writes `text` to standard output. A closed pipe (`| head`) ends the
/// output quietly instead of failing.
pub fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::failed("cannot write to standard output").with_source(e)),
    }
}

/// Prints warnings on standard error, each prefixed with `warning: `.
pub fn warn_all(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}
