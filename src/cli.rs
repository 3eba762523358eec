//! The command-line interface (clap derive). Each subcommand is run by the
//! module of the same name under `cmd/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Weekly CFP newsletter: turns a conference's topic inspiration list into a
/// scheduled email newsletter, an RSS feed and a web archive.
#[derive(Debug, Parser)]
#[command(name = "newsletter", version, about, long_about = None)]
pub struct Cli {
    /// The project's configuration file; relative paths in it are resolved
    /// against its folder.
    #[arg(
        long,
        global = true,
        default_value = "config.toml",
        value_name = "PATH"
    )]
    pub config: PathBuf,

    /// Pretend the current time is this (RFC 3339 date-time, or YYYY-MM-DD
    /// meaning the end of that day in the schedule's time zone).
    #[arg(long, global = true, env = "NEWSLETTER_NOW", value_name = "WHEN")]
    pub now: Option<String>,

    /// Print nothing unless there is a warning or an error (for cron: it
    /// mails the output only when something needs attention). Exit codes
    /// are unchanged.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a starter project (config, topic list, templates) into DIR.
    Init {
        /// Where to write it; refuses to overwrite existing files.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Validate the config, topic list, templates and subscribers.
    Check,
    /// Show the schedule of issues.
    Plan {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Render one issue as a subscriber would get it.
    Preview(PreviewArgs),
    /// Publish the due issue and deliver it to every subscriber.
    Send(SendArgs),
    /// Write the RSS feed and the web archive of published issues.
    Feed,
    /// Show delivery counts per published issue.
    Status {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Show one issue in detail, with the failed recipients and replies.
        #[arg(long, value_name = "N")]
        issue: Option<u32>,
    },
    /// Record addresses that must never receive anything again.
    Unsubscribe(UnsubscribeArgs),
    /// Read bounces and complaints from Maildir folders or mbox files.
    Bounces(BouncesArgs),
    /// Run the web server: subscribe, confirm and one-click unsubscribe
    /// pages, and the archive and feed.
    Serve(ServeArgs),
    /// The merged subscriber list (CSV plus confirmed, minus suppressed).
    #[command(subcommand)]
    Subscribers(SubscribersCommand),
}

/// `newsletter serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen on this address and port instead of `serve.listen`.
    #[arg(long, value_name = "ADDR", value_parser = parse_listen)]
    pub listen: Option<std::net::SocketAddr>,
}

fn parse_listen(s: &str) -> Result<std::net::SocketAddr, String> {
    crate::config::parse_listen(s)
        .ok_or_else(|| format!("`{s}` is not an address and port such as 127.0.0.1:8080"))
}

/// `newsletter subscribers ...`.
#[derive(Debug, Subcommand)]
pub enum SubscribersCommand {
    /// Write everyone a send would deliver to, each address once.
    Export {
        /// The output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
    },
}

/// Formats of `subscribers export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// `email,name` with a header row.
    Csv,
}

/// `newsletter preview`.
#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// The issue number (default: the one due now, else the next upcoming).
    #[arg(long, value_name = "N")]
    pub issue: Option<u32>,
    /// What to render.
    #[arg(long, value_enum, default_value_t = PreviewFormat::Html)]
    pub format: PreviewFormat,
    /// Render for this address (default: a sample subscriber).
    #[arg(long, value_name = "EMAIL")]
    pub to: Option<String>,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Output formats of `preview`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PreviewFormat {
    /// The HTML part.
    Html,
    /// The plain-text part.
    Text,
    /// The complete message as it would go out.
    Eml,
}

/// `newsletter send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Render and compose every message, but connect to nothing and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send this issue instead of the one due now.
    #[arg(long, value_name = "N")]
    pub issue: Option<u32>,
    /// With --issue: send it even though its time has not come.
    #[arg(long, requires = "issue")]
    pub force: bool,
    /// A test send to these addresses, subject prefixed with `[TEST]`,
    /// recorded nowhere (repeat the flag or separate addresses with commas).
    #[arg(long, value_name = "EMAIL", value_delimiter = ',', num_args = 1)]
    pub to: Vec<String>,
    /// Send the issue (default: the next one not yet published) to
    /// delivery.reviewers, subject prefixed with `[review]`, recorded nowhere.
    #[arg(long, conflicts_with_all = ["to", "retry_failed", "force"])]
    pub review: bool,
    /// Send again to the recipients of a published issue (--issue N, or the
    /// latest) recorded as failed, except suppressed addresses.
    #[arg(long, conflicts_with_all = ["to", "dry_run", "force"])]
    pub retry_failed: bool,
}

/// `newsletter unsubscribe`.
#[derive(Debug, Args)]
#[command(arg_required_else_help = true)]
pub struct UnsubscribeArgs {
    /// The addresses.
    pub emails: Vec<String>,
    /// Also read addresses from this file, one per line.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// An unsubscribe token from an email's link or mailto subject
    /// (repeatable); needs the unsubscribe secret.
    #[arg(long, value_name = "TOKEN")]
    pub token: Vec<String>,
    /// Re-subscribe: remove the suppression instead.
    #[arg(long)]
    pub undo: bool,
}

/// `newsletter bounces`.
#[derive(Debug, Args)]
#[command(arg_required_else_help = true)]
pub struct BouncesArgs {
    /// Maildir folders (holding cur/ and new/), mbox files, or files of one message each.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Delete the bounces and complaints that were recorded (never other mail).
    #[arg(long)]
    pub delete: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn to_takes_several_addresses_repeated_or_comma_separated() {
        let cli = Cli::try_parse_from([
            "newsletter",
            "send",
            "--to",
            "a@example.org,b@example.org",
            "--to",
            "c@example.org",
        ])
        .unwrap();
        let Command::Send(args) = cli.command else {
            panic!("not send")
        };
        assert_eq!(args.to, ["a@example.org", "b@example.org", "c@example.org"]);
        assert!(
            Cli::try_parse_from(["newsletter", "send", "--review", "--to", "a@example.org"])
                .is_err()
        );
        assert!(
            Cli::try_parse_from(["newsletter", "send", "--retry-failed", "--dry-run"]).is_err()
        );
        assert!(
            Cli::try_parse_from([
                "newsletter",
                "--quiet",
                "send",
                "--retry-failed",
                "--issue",
                "2"
            ])
            .is_ok()
        );
        assert!(Cli::try_parse_from(["newsletter", "status", "-q"]).is_ok());
    }

    #[test]
    fn force_requires_issue() {
        assert!(Cli::try_parse_from(["newsletter", "send", "--force"]).is_err());
        assert!(Cli::try_parse_from(["newsletter", "send", "--force", "--issue", "2"]).is_ok());
    }
}
