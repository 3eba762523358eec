//! The TOML shape of the config (serde, `deny_unknown_fields`) and its
//! conversion into the validated [`Config`].

use std::ops::Range;
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::Deserialize;
use toml::Spanned;

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    newsletter: RawNewsletter,
    cfp: RawCfp,
    schedule: RawSchedule,
    #[serde(default)]
    content: RawContent,
    #[serde(default)]
    templates: RawTemplates,
    #[serde(default)]
    feed: RawFeed,
    #[serde(default)]
    subscribers: RawSubscribers,
    #[serde(default)]
    delivery: RawDelivery,
    #[serde(default)]
    smtp: RawSmtp,
    #[serde(default)]
    unsubscribe: RawUnsubscribe,
    #[serde(default)]
    state: RawState,
    serve: Option<super::serve::RawServe>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNewsletter {
    title: Spanned<String>,
    #[serde(default)]
    description: String,
    base_url: Option<Spanned<String>>,
    #[serde(default = "default_language")]
    language: String,
    from: Option<Spanned<String>>,
    reply_to: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCfp {
    name: String,
    opens: Spanned<toml::value::Datetime>,
    closes: Spanned<toml::value::Datetime>,
    timezone: Spanned<String>,
    submit_url: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    weekday: Spanned<String>,
    time: Spanned<String>,
    timezone: Option<Spanned<String>>,
    #[serde(default = "default_order")]
    order: Order,
    #[serde(default)]
    seed: u64,
    #[serde(default = "one")]
    categories_per_issue: Spanned<usize>,
    #[serde(default)]
    include_hidden: bool,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default = "zero")]
    last_call_days: Spanned<u32>,
    #[serde(default)]
    pin: Vec<RawPin>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPin {
    category: Spanned<String>,
    date: Spanned<toml::value::Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContent {
    #[serde(default = "default_topics")]
    topics: PathBuf,
    #[serde(default)]
    allow_html: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplates {
    #[serde(default = "default_templates")]
    dir: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    #[serde(default = "default_feed")]
    path: PathBuf,
    #[serde(default = "default_archive")]
    archive_dir: PathBuf,
    max_items: Option<Spanned<usize>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubscribers {
    #[serde(default = "default_subscribers")]
    path: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDelivery {
    #[serde(default = "default_transport")]
    transport: Transport,
    #[serde(default = "default_outbox")]
    outbox_dir: PathBuf,
    #[serde(default = "default_concurrency")]
    concurrency: Spanned<usize>,
    #[serde(default)]
    rate_per_second: u32,
    #[serde(default = "default_attempts")]
    max_attempts: Spanned<u32>,
    #[serde(default = "default_retry_delay")]
    retry_delay_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    #[serde(default = "default_host")]
    host: Spanned<String>,
    port: Option<u16>,
    #[serde(default = "default_security")]
    security: Spanned<Security>,
    username: Option<String>,
    #[serde(default = "default_password_env")]
    password_env: String,
    #[serde(default = "default_timeout")]
    timeout_seconds: Spanned<u64>,
    #[serde(default)]
    allow_insecure: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnsubscribe {
    url: Option<Spanned<String>>,
    mailto: Option<Spanned<String>>,
    #[serde(default = "default_secret_env")]
    secret_env: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    #[serde(default = "default_state")]
    path: PathBuf,
}

// serde needs functions for defaults; `Default` impls below reuse them.
fn default_language() -> String {
    "en".into()
}
fn default_order() -> Order {
    Order::Listed
}
fn one() -> Spanned<usize> {
    Spanned::new(0..0, 1)
}
fn zero() -> Spanned<u32> {
    Spanned::new(0..0, 0)
}
fn default_topics() -> PathBuf {
    "content/topics.md".into()
}
fn default_templates() -> PathBuf {
    "templates".into()
}
fn default_feed() -> PathBuf {
    "public/feed.xml".into()
}
fn default_archive() -> PathBuf {
    "public".into()
}
fn default_subscribers() -> PathBuf {
    "content/subscribers.csv".into()
}
fn default_transport() -> Transport {
    Transport::Outbox
}
fn default_outbox() -> PathBuf {
    "outbox".into()
}
fn default_concurrency() -> Spanned<usize> {
    Spanned::new(0..0, 4)
}
fn default_attempts() -> Spanned<u32> {
    Spanned::new(0..0, 3)
}
fn default_retry_delay() -> u64 {
    1000
}
fn default_host() -> Spanned<String> {
    Spanned::new(0..0, "localhost".into())
}
fn default_security() -> Spanned<Security> {
    Spanned::new(0..0, Security::Starttls)
}
fn default_password_env() -> String {
    "NEWSLETTER_SMTP_PASSWORD".into()
}
fn default_timeout() -> Spanned<u64> {
    Spanned::new(0..0, 60)
}
fn default_secret_env() -> String {
    "NEWSLETTER_UNSUBSCRIBE_SECRET".into()
}
fn default_state() -> PathBuf {
    "state/newsletter.db".into()
}

macro_rules! from_empty_table {
    ($($t:ty),*) => {$(
        impl Default for $t {
            fn default() -> Self {
                // An empty table always deserializes: every field has a default.
                toml::from_str("").unwrap_or_else(|_| unreachable!())
            }
        }
    )*};
}
from_empty_table!(
    RawContent,
    RawTemplates,
    RawFeed,
    RawSubscribers,
    RawDelivery,
    RawSmtp,
    RawUnsubscribe,
    RawState
);

/// Parses and validates; see [`Config::parse`].
pub(super) fn parse(src: &str) -> Result<Config, Diagnostic> {
    let raw: Raw = toml::from_str(src).map_err(|e| super::toml_error::diagnostic(src, &e))?;
    let v = Validator { src };
    v.build(raw)
}

struct Validator<'a> {
    src: &'a str,
}

impl Validator<'_> {
    fn err(
        &self,
        span: Range<usize>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::at(self.src, span.start, msg).help(help)
    }

    fn build(&self, raw: Raw) -> Result<Config, Diagnostic> {
        let cfp = self.cfp(raw.cfp)?;
        let schedule = self.schedule(raw.schedule, &cfp)?;
        let newsletter = self.newsletter(raw.newsletter)?;
        let delivery = self.delivery(raw.delivery)?;
        let smtp = self.smtp(raw.smtp, delivery.transport)?;
        let mut unsubscribe = self.unsubscribe(raw.unsubscribe)?;
        let serve = raw
            .serve
            .map(|s| super::serve::build(self.src, s))
            .transpose()?;
        if let (Some(_), None, Some(base)) = (&serve, &unsubscribe.url, &newsletter.base_url) {
            unsubscribe.url = Some(super::serve::default_unsubscribe_url(base));
        }
        if let Some(max) = &raw.feed.max_items
            && *max.get_ref() == 0
        {
            return Err(self.err(
                max.span(),
                "feed.max_items is 0",
                "remove the key to keep every issue, or give a number of at least 1",
            ));
        }
        Ok(Config {
            path: PathBuf::from("config.toml"),
            source: self.src.to_string(),
            newsletter,
            cfp,
            schedule,
            content: Content {
                topics: raw.content.topics,
                allow_html: raw.content.allow_html,
            },
            templates: Templates {
                dir: raw.templates.dir,
            },
            feed: Feed {
                path: raw.feed.path,
                archive_dir: raw.feed.archive_dir,
                max_items: raw.feed.max_items.map(Spanned::into_inner),
            },
            subscribers: Subscribers {
                path: raw.subscribers.path,
            },
            delivery,
            smtp,
            unsubscribe,
            state: State {
                path: raw.state.path,
            },
            serve,
        })
    }

    fn newsletter(&self, n: RawNewsletter) -> Result<Newsletter, Diagnostic> {
        if n.title.get_ref().trim().is_empty() {
            return Err(self.err(
                n.title.span(),
                "newsletter.title is empty",
                "give the newsletter a name",
            ));
        }
        for url in [&n.base_url].into_iter().flatten() {
            self.url(url, "newsletter.base_url", &["https", "http"])?;
        }
        for m in [&n.from, &n.reply_to].into_iter().flatten() {
            if m.get_ref().parse::<lettre::message::Mailbox>().is_err() {
                return Err(self.err(
                    m.span(),
                    format!("`{}` is not a valid mailbox", m.get_ref()),
                    "write an address (cfp@example.org) or a name and an address (\"Call for Proposals <cfp@example.org>\")",
                ));
            }
        }
        Ok(Newsletter {
            title: n.title.into_inner().trim().to_string(),
            description: n.description,
            base_url: n
                .base_url
                .map(|u| u.into_inner().trim_end_matches('/').to_string()),
            language: n.language,
            from: n.from.map(Spanned::into_inner),
            reply_to: n.reply_to.map(Spanned::into_inner),
        })
    }

    fn url(&self, url: &Spanned<String>, key: &str, schemes: &[&str]) -> Result<(), Diagnostic> {
        let s = url.get_ref();
        let ok = schemes.iter().any(|scheme| {
            s.strip_prefix(scheme)
                .and_then(|r| r.strip_prefix("://"))
                .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        }) && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
        if ok {
            Ok(())
        } else {
            Err(self.err(
                url.span(),
                format!(
                    "{key} `{s}` is not an absolute {} URL",
                    schemes.join(" or ")
                ),
                format!("write a full address starting with {}://", schemes[0]),
            ))
        }
    }

    fn datetime(
        &self,
        v: &Spanned<toml::value::Datetime>,
        key: &str,
    ) -> Result<NaiveDateTime, Diagnostic> {
        let dt = v.get_ref();
        let help = format!(
            "write a local date-time without offset, such as {key} = 2024-03-04T09:00:00; the zone comes from cfp.timezone"
        );
        if dt.offset.is_some() {
            return Err(self.err(v.span(), format!("{key} has a UTC offset"), help));
        }
        match (dt.date, dt.time) {
            (Some(d), Some(t)) => {
                NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                    .and_then(|date| {
                        NaiveTime::from_hms_nano_opt(
                            t.hour.into(),
                            t.minute.into(),
                            t.second.unwrap_or(0).into(),
                            t.nanosecond.unwrap_or(0),
                        )
                        .map(|time| date.and_time(time))
                    })
                    .ok_or_else(|| {
                        self.err(v.span(), format!("{key} is not a valid date-time"), help)
                    })
            }
            _ => Err(self.err(
                v.span(),
                format!("{key} needs both a date and a time"),
                help,
            )),
        }
    }

    fn zone(&self, v: &Spanned<String>) -> Result<Zone, Diagnostic> {
        Zone::parse(v.get_ref()).map_err(|(msg, help)| self.err(v.span(), msg, help))
    }

    fn cfp(&self, c: RawCfp) -> Result<Cfp, Diagnostic> {
        let opens = self.datetime(&c.opens, "cfp.opens")?;
        let closes = self.datetime(&c.closes, "cfp.closes")?;
        let timezone = self.zone(&c.timezone)?;
        if timezone.resolve(closes) <= timezone.resolve(opens) {
            return Err(self.err(
                c.closes.span(),
                format!("cfp.closes ({closes}) is not after cfp.opens ({opens})"),
                "the CFP must close after it opens; check the two dates",
            ));
        }
        if let Some(url) = &c.submit_url {
            self.url(url, "cfp.submit_url", &["https", "http"])?;
        }
        Ok(Cfp {
            name: c.name,
            opens,
            closes,
            timezone,
            submit_url: c.submit_url.map(Spanned::into_inner),
        })
    }

    fn schedule(&self, s: RawSchedule, cfp: &Cfp) -> Result<Schedule, Diagnostic> {
        let weekday = parse_weekday(s.weekday.get_ref()).ok_or_else(|| {
            self.err(
                s.weekday.span(),
                format!("`{}` is not a day of the week", s.weekday.get_ref()),
                "write one of monday, tuesday, wednesday, thursday, friday, saturday, sunday",
            )
        })?;
        let time = NaiveTime::parse_from_str(s.time.get_ref().trim(), "%H:%M").map_err(|_| {
            self.err(
                s.time.span(),
                format!("`{}` is not a time of day", s.time.get_ref()),
                "write the time as \"HH:MM\" on a 24-hour clock, such as \"09:00\"",
            )
        })?;
        let timezone = match &s.timezone {
            Some(z) => self.zone(z)?,
            None => cfp.timezone.clone(),
        };
        if *s.categories_per_issue.get_ref() == 0 {
            return Err(self.err(
                s.categories_per_issue.span(),
                "schedule.categories_per_issue is 0",
                "each issue features at least one category; use 1 or more",
            ));
        }
        let cfp_days = (cfp.closes.date() - cfp.opens.date()).num_days();
        let lc = *s.last_call_days.get_ref();
        if lc > 0 && i64::from(lc) >= cfp_days {
            return Err(self.err(
                s.last_call_days.span(),
                format!("schedule.last_call_days = {lc} falls before the CFP opens (it is {cfp_days} days long)"),
                format!("use a number from 1 to {}, or 0 for no last call", cfp_days.saturating_sub(1).max(0)),
            ));
        }
        let mut pins = Vec::new();
        for p in &s.pin {
            pins.push(self.pin(p, cfp, weekday)?);
        }
        Ok(Schedule {
            weekday,
            time,
            timezone,
            order: s.order,
            seed: s.seed,
            categories_per_issue: s.categories_per_issue.into_inner(),
            include_hidden: s.include_hidden,
            exclude: s.exclude.into_iter().map(named).collect(),
            last_call_days: lc,
            pins,
        })
    }

    fn pin(&self, p: &RawPin, cfp: &Cfp, weekday: Weekday) -> Result<Pin, Diagnostic> {
        let help = "write the date of a send day inside the CFP, such as date = 2024-03-18";
        let d = p.date.get_ref();
        let date = match (d.date, d.time, d.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
            }
            _ => None,
        }
        .ok_or_else(|| {
            self.err(
                p.date.span(),
                "a pin's date must be a plain date (YYYY-MM-DD)",
                help,
            )
        })?;
        if date < cfp.opens.date() || date > cfp.closes.date() {
            return Err(self.err(
                p.date.span(),
                format!(
                    "pin date {date} is outside the CFP ({} to {})",
                    cfp.opens.date(),
                    cfp.closes.date()
                ),
                help,
            ));
        }
        if chrono::Datelike::weekday(&date) != weekday {
            return Err(self.err(
                p.date.span(),
                format!(
                    "pin date {date} is a {}, not a send day ({})",
                    weekday_name(chrono::Datelike::weekday(&date)),
                    weekday_name(weekday)
                ),
                help,
            ));
        }
        Ok(Pin {
            category: named(p.category.clone()),
            date,
        })
    }

    fn delivery(&self, d: RawDelivery) -> Result<Delivery, Diagnostic> {
        if *d.concurrency.get_ref() == 0 || *d.concurrency.get_ref() > 256 {
            return Err(self.err(
                d.concurrency.span(),
                "delivery.concurrency must be from 1 to 256",
                "use the number of parallel SMTP connections your server allows, such as 4",
            ));
        }
        if *d.max_attempts.get_ref() == 0 {
            return Err(self.err(
                d.max_attempts.span(),
                "delivery.max_attempts is 0",
                "use at least 1 (the default is 3)",
            ));
        }
        Ok(Delivery {
            transport: d.transport,
            outbox_dir: d.outbox_dir,
            concurrency: d.concurrency.into_inner(),
            rate_per_second: d.rate_per_second,
            max_attempts: d.max_attempts.into_inner(),
            retry_delay_ms: d.retry_delay_ms,
        })
    }

    fn smtp(&self, s: RawSmtp, transport: Transport) -> Result<Smtp, Diagnostic> {
        let security = *s.security.get_ref();
        if transport == Transport::Smtp
            && security == Security::None
            && !s.allow_insecure
            && !super::is_loopback(s.host.get_ref())
        {
            return Err(self.err(
                s.security.span(),
                format!(
                    "smtp.security = \"none\" sends passwords and mail in plain text to {}",
                    s.host.get_ref()
                ),
                "use \"starttls\" or \"tls\", or set smtp.allow_insecure = true if you really mean it (\"none\" is fine for a server on this machine)",
            ));
        }
        if s.host.get_ref().trim().is_empty() {
            return Err(self.err(
                s.host.span(),
                "smtp.host is empty",
                "write the mail server's host name",
            ));
        }
        if *s.timeout_seconds.get_ref() == 0 {
            return Err(self.err(
                s.timeout_seconds.span(),
                "smtp.timeout_seconds is 0",
                "use a number of seconds such as 60",
            ));
        }
        let port = s.port.unwrap_or(match security {
            Security::Tls => 465,
            Security::Starttls => 587,
            Security::None => 25,
        });
        Ok(Smtp {
            host: s.host.into_inner(),
            port,
            security,
            username: s.username,
            password_env: s.password_env,
            timeout_seconds: s.timeout_seconds.into_inner(),
            allow_insecure: s.allow_insecure,
        })
    }

    fn unsubscribe(&self, u: RawUnsubscribe) -> Result<Unsubscribe, Diagnostic> {
        if let Some(url) = &u.url {
            self.url(url, "unsubscribe.url", &["https", "http"])?;
        }
        if let Some(m) = &u.mailto
            && m.get_ref().parse::<lettre::Address>().is_err()
        {
            return Err(self.err(
                m.span(),
                format!(
                    "unsubscribe.mailto `{}` is not an email address",
                    m.get_ref()
                ),
                "write a plain address such as unsubscribe@example.org",
            ));
        }
        Ok(Unsubscribe {
            url: u.url.map(Spanned::into_inner),
            mailto: u.mailto.map(Spanned::into_inner),
            secret_env: u.secret_env,
        })
    }
}

fn named(s: Spanned<String>) -> Named {
    let span = s.span();
    Named {
        name: s.into_inner(),
        span,
    }
}

/// Parses a weekday name: full English names or three-letter
/// abbreviations, any case.
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.trim().to_ascii_lowercase();
    let all = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    all.into_iter().find(|w| {
        let name = weekday_name(*w);
        s == name || (s.len() == 3 && name.starts_with(&s))
    })
}

/// The lowercase English name of a weekday.
pub fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}
