//! Validation: the TOML shape ([`super::raw`]) becomes the [`Config`],
//! every value checked, each error a [`Diagnostic`] pointing at the value.

use std::ops::Range;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use toml::Spanned;

use super::feed_files;
use super::language::is_language_tag;
use super::raw::{Raw, RawCfp, RawNewsletter, RawPin, RawSchedule};
use super::season;
use super::send_days::pin_help;
use super::*;

/// Parses and validates; see [`Config::parse`].
pub(super) fn parse(src: &str) -> Result<Config, Diagnostic> {
    let raw: Raw = toml::from_str(src).map_err(|e| super::toml_error::diagnostic(src, &e))?;
    let v = Validator { src };
    v.build(raw)
}

pub(super) struct Validator<'a> {
    src: &'a str,
}

impl Validator<'_> {
    pub(super) fn err(
        &self,
        span: Range<usize>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::at(self.src, span.start, msg).help(help)
    }

    fn build(&self, mut raw: Raw) -> Result<Config, Diagnostic> {
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
        let dkim = match raw.dkim {
            Some(d) => Some(self.dkim(d, newsletter.from.as_deref())?),
            None => None,
        };
        if let Some(max) = &raw.feed.max_items
            && *max.get_ref() == 0
        {
            return Err(self.err(
                max.span(),
                "feed.max_items is 0",
                "remove the key to keep every issue, or give a number of at least 1",
            ));
        }
        let (atom_path, json_path) = feed_files::paths(
            self.src,
            &raw.feed.path,
            raw.feed.atom_path.take(),
            raw.feed.json_path.take(),
        )?;
        Ok(Config {
            path: PathBuf::from("config.toml"),
            source: self.src.to_string(),
            newsletter,
            cfp,
            schedule,
            content: Content {
                topics: raw.content.topics,
                allow_html: raw.content.allow_html,
                notes: raw.content.notes,
                tips: raw.content.tips,
            },
            templates: Templates {
                dir: raw.templates.dir,
            },
            feed: Feed {
                path: raw.feed.path,
                archive_dir: raw.feed.archive_dir,
                max_items: raw.feed.max_items.map(Spanned::into_inner),
                atom_path,
                json_path,
            },
            subscribers: SubscribersSettings {
                path: raw.subscribers.path,
                delimiter: match &raw.subscribers.delimiter {
                    Some(d) => self.delimiter(d)?,
                    None => b',',
                },
            },
            delivery,
            smtp,
            unsubscribe,
            dkim,
            state: StateSettings {
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
        if !is_language_tag(n.language.get_ref()) {
            return Err(self.err(
                n.language.span(),
                format!(
                    "newsletter.language `{}` is not a language tag",
                    n.language.get_ref()
                ),
                "write a BCP 47 tag: a language code, optionally a region or script, joined by hyphens, such as en, de, pt-BR or zh-Hant",
            ));
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
            language: n.language.into_inner(),
            from: n.from.map(Spanned::into_inner),
            reply_to: n.reply_to.map(Spanned::into_inner),
        })
    }

    pub(super) fn url(
        &self,
        url: &Spanned<String>,
        key: &str,
        schemes: &[&str],
    ) -> Result<(), Diagnostic> {
        let s = url.get_ref();
        let absolute = schemes.iter().any(|scheme| {
            s.strip_prefix(scheme)
                .and_then(|r| r.strip_prefix("://"))
                .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        });
        if !absolute {
            return Err(self.err(
                url.span(),
                format!(
                    "{key} `{s}` is not an absolute {} URL",
                    schemes.join(" or ")
                ),
                format!("write a full address starting with {}://", schemes[0]),
            ));
        }
        // An absolute URL with a character a URL cannot hold as is: say
        // which, where, and how to write it.
        if let Some((at, c)) = s
            .chars()
            .enumerate()
            .find(|&(_, c)| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>'))
        {
            let what = match c {
                ' ' => "a space".to_string(),
                '"' | '<' | '>' => format!("`{c}`"),
                c => format!("the character U+{:04X}", u32::from(c)),
            };
            let mut utf8 = [0u8; 4];
            let encoded: String = c
                .encode_utf8(&mut utf8)
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect();
            return Err(self.err(
                url.span(),
                format!(
                    "{key} has {what} at character {}, which a URL cannot contain as is",
                    at + 1
                ),
                format!(
                    "write it percent-encoded as {encoded}, or remove it if it came in by mistake (a stray quote or space when pasting)"
                ),
            ));
        }
        Ok(())
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
                        self.err(v.span(), format!("{key} is not a valid date-time"), &help)
                    })
                    .and_then(|t| match crate::clock::year_out_of_range(t.year()) {
                        None => Ok(t),
                        Some(why) => Err(self.err(v.span(), format!("{key}: {why}"), help)),
                    })
            }
            _ => Err(self.err(
                v.span(),
                format!("{key} needs both a date and a time"),
                help,
            )),
        }
    }

    /// A zone name; `near` (the CFP's opening) dates the offsets and
    /// abbreviations suggested.
    fn zone(&self, v: &Spanned<String>, near: NaiveDate) -> Result<Zone, Diagnostic> {
        Zone::parse(v.get_ref(), near).map_err(|(msg, help)| self.err(v.span(), msg, help))
    }

    fn cfp(&self, c: RawCfp) -> Result<Cfp, Diagnostic> {
        let opens = self.datetime(&c.opens, "cfp.opens")?;
        let closes = self.datetime(&c.closes, "cfp.closes")?;
        let timezone = self.zone(&c.timezone, opens.date())?;
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
            Some(z) => self.zone(z, cfp.opens.date())?,
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
        let reminders = season::reminders(self.src, &s.reminder, cfp)?;
        let skips = season::skips(self.src, &s.skip, cfp, weekday, &pins)?;
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
            reminders,
            skips,
        })
    }

    fn pin(&self, p: &RawPin, cfp: &Cfp, weekday: Weekday) -> Result<Pin, Diagnostic> {
        let d = p.date.get_ref();
        let written = d
            .date
            .and_then(|d| NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()));
        let help = pin_help(written, cfp, weekday);
        let date = match (written, d.time, d.offset) {
            (Some(date), None, None) => Some(date),
            _ => None,
        }
        .ok_or_else(|| {
            self.err(
                p.date.span(),
                "a pin's date must be a plain date (YYYY-MM-DD)",
                &help,
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
                &help,
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
                &help,
            ));
        }
        Ok(Pin {
            category: named(p.category.clone()),
            date,
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

/// Whether `host` is this machine: `localhost` or a loopback address
/// (plain-text SMTP is allowed there without `smtp.allow_insecure`).
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
