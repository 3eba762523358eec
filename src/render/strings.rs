//! The built-in templates' words, one string table per language.
//!
//! Tables are TOML (`templates/strings/<lang>.toml`, compiled in): nested
//! tables flatten to dotted keys (`issue.submit`); a value is a string
//! with `{name}` placeholders, a table of plural forms (`one`, `other`,
//! chosen by the count `n` with the language's CLDR rule), or a list
//! (`date.weekdays`, `date.months`). The project's `templates/` folder may
//! hold `strings.<lang>.toml`: its keys replace the shipped table's, or
//! make a new language (on top of English). A language with no table at
//! all falls back to English ([`Strings::knows`] tells `check`).
//! Templates call `t(key="issue.submit", n=3, cfp=cfp.name)`.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Datelike, TimeZone};

use crate::error::{Error, Result};

/// The shipped tables: (language, TOML source).
pub const BUILTIN_STRINGS: &[(&str, &str)] = &[
    ("en", include_str!("../../templates/strings/en.toml")),
    ("es", include_str!("../../templates/strings/es.toml")),
    ("fr", include_str!("../../templates/strings/fr.toml")),
    ("de", include_str!("../../templates/strings/de.toml")),
    ("pt", include_str!("../../templates/strings/pt.toml")),
];

/// One entry of a table.
#[derive(Debug, Clone, PartialEq)]
enum Entry {
    Text(String),
    Plural { one: String, other: String },
    List(Vec<String>),
}

type Table = HashMap<String, Entry>;

/// Every language's table: the shipped ones with the project's overrides.
#[derive(Debug, Clone)]
pub struct Strings {
    tables: HashMap<String, Table>,
}

impl Strings {
    /// The shipped tables only.
    pub fn builtin() -> Strings {
        let tables = BUILTIN_STRINGS
            .iter()
            .map(|(lang, src)| {
                let table = parse(src).unwrap_or_else(|e| panic!("strings/{lang}.toml: {e}"));
                ((*lang).to_string(), table)
            })
            .collect();
        Strings { tables }
    }

    /// The shipped tables, parsed once for the whole process.
    pub fn shipped() -> &'static Strings {
        static SHIPPED: std::sync::OnceLock<Strings> = std::sync::OnceLock::new();
        SHIPPED.get_or_init(Strings::builtin)
    }

    /// The shipped tables with every `strings.<lang>.toml` of `dir` on
    /// top. A file that is not a valid table is an error naming it, with
    /// the line and column.
    pub fn load(dir: &Path) -> Result<Strings> {
        let mut strings = Strings::builtin();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(strings);
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let Some(lang) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(override_language)
            else {
                continue;
            };
            let src = crate::error::read_text(&path)?;
            let table = parse(&src).map_err(|e| {
                Error::input(format!("{}: {}", located(&path, &src, &e), e.message()))
                    .with_help("write `key = \"text\"` or `key = { one = \"...\", other = \"...\" }` under the section of the shipped table (see templates/strings/en.toml)")
            })?;
            strings
                .tables
                .entry(lang.to_string())
                .or_default()
                .extend(table);
        }
        Ok(strings)
    }

    /// Whether `lang` has a table (shipped or the project's). Without
    /// one, its texts are English.
    pub fn knows(&self, lang: &str) -> bool {
        self.table_of(lang).is_some()
    }

    /// The table of `lang`, or of its primary language (`pt` for `pt-BR`).
    fn table_of(&self, lang: &str) -> Option<&Table> {
        let lower = lang.to_ascii_lowercase();
        self.tables.get(&lower).or_else(|| {
            let primary = lower.split('-').next().unwrap_or("");
            self.tables.get(primary)
        })
    }

    /// The entry `key` in `lang`, else in English.
    fn entry(&self, lang: &str, key: &str) -> Option<&Entry> {
        self.table_of(lang)
            .and_then(|t| t.get(key))
            .or_else(|| self.tables.get("en").and_then(|t| t.get(key)))
    }

    /// The text of `key` in `lang` for count `n` (plural forms), with
    /// `{n}` and every `{name}` of `args` filled in. An unknown key is an
    /// error naming it.
    pub fn text(
        &self,
        lang: &str,
        key: &str,
        n: Option<i64>,
        args: &[(&str, &str)],
    ) -> std::result::Result<String, String> {
        let raw = match self.entry(lang, key) {
            Some(Entry::Text(s)) => s.as_str(),
            Some(Entry::Plural { one, other }) => match n {
                Some(n) if plural_is_one(lang, n) => one.as_str(),
                Some(_) => other.as_str(),
                None => return Err(format!("string `{key}` has plural forms: give it `n`")),
            },
            Some(Entry::List(_)) => return Err(format!("string `{key}` is a list, not a text")),
            None => return Err(format!("no string `{key}` in the string tables")),
        };
        let n_text = n.map(|n| n.to_string());
        let mut all: Vec<(&str, &str)> = args.to_vec();
        if let Some(n) = &n_text {
            all.push(("n", n));
        }
        Ok(fill(raw, &all))
    }

    /// A long date in `lang`: "Monday, March 4, 2024", "lundi 4 mars 2024".
    pub fn long_date<Z: TimeZone>(&self, lang: &str, t: &chrono::DateTime<Z>) -> String
    where
        Z::Offset: std::fmt::Display,
    {
        self.date_with(lang, "date.long", t)
    }

    /// A long date and time with the zone's abbreviation in `lang`:
    /// "Monday, April 22, 2024 at 23:59 AoE".
    pub fn long_date_time<Z: TimeZone>(&self, lang: &str, t: &chrono::DateTime<Z>) -> String
    where
        Z::Offset: std::fmt::Display,
    {
        self.date_with(lang, "date.long_time", t)
    }

    fn date_with<Z: TimeZone>(&self, lang: &str, key: &str, t: &chrono::DateTime<Z>) -> String
    where
        Z::Offset: std::fmt::Display,
    {
        let name = |list: &str, i: usize| match self.entry(lang, list) {
            Some(Entry::List(names)) => names.get(i).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        let weekday = name("date.weekdays", t.weekday().num_days_from_monday() as usize);
        let month = name("date.months", t.month0() as usize);
        let day = t.day().to_string();
        let year = t.year().to_string();
        let time = t.format("%H:%M").to_string();
        let zone = t.format("%Z").to_string();
        let args = [
            ("weekday", weekday.as_str()),
            ("month", month.as_str()),
            ("day", day.as_str()),
            ("year", year.as_str()),
            ("time", time.as_str()),
            ("zone", zone.as_str()),
        ];
        self.text(lang, key, None, &args).unwrap_or_default()
    }
}

/// Registers the Tera function `t(key, n, ...)`: the text of `key` in
/// the language of `newsletter.language` (English without it), for count
/// `n`, with every other argument filled into its `{name}` placeholder.
/// In an autoescaped template the arguments are escaped like any value
/// and the table's text too (its typographic apostrophes written
/// `&rsquo;`); elsewhere a typographic apostrophe becomes a plain `'`.
pub(crate) fn register(tera: &mut tera::Tera, strings: std::sync::Arc<Strings>) {
    tera.register_function(
        "t",
        move |kwargs: tera::Kwargs, state: &tera::State| -> tera::TeraResult<tera::Value> {
            let key: String = kwargs.must_get::<&str>("key")?.to_string();
            let n = kwargs.get::<i64>("n")?;
            let lang = state
                .get::<tera::Value>("newsletter")?
                .and_then(|v| {
                    v.get_from_path("language")
                        .and_then(|l| l.as_str().map(str::to_string))
                })
                .unwrap_or_else(|| "en".to_string());
            let html = state.autoescaping_enabled();
            let mut args: Vec<(String, String)> = Vec::new();
            for (k, v) in kwargs.iter() {
                let k = k.as_str().unwrap_or_default();
                if k == "key" || k == "n" {
                    continue;
                }
                args.push((k.to_string(), state.escape_if_needed(v)?));
            }
            let borrowed: Vec<(&str, &str)> =
                args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let raw = strings
                .text(&lang, &key, n, &[])
                .map_err(tera::Error::message)?;
            let raw = if html {
                escape_text(&raw)
            } else {
                raw.replace('\u{2019}', "'")
            };
            let filled = fill(&raw, &borrowed);
            Ok(if html {
                tera::Value::safe_string(&filled)
            } else {
                tera::Value::normal_string(&filled)
            })
        },
    );
}

/// A table's text for HTML: `&`, `<`, `>` and `"` escaped, a typographic
/// apostrophe (’) written `&rsquo;`, a no-break space `&nbsp;`.
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\u{2019}' => out.push_str("&rsquo;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
    out
}

/// The language of an override file's name: `strings.<lang>.toml`.
pub(crate) fn override_language(file_name: &str) -> Option<&str> {
    let lang = file_name.strip_prefix("strings.")?.strip_suffix(".toml")?;
    (!lang.is_empty()).then_some(lang)
}

/// Whether count `n` takes the `one` form in `lang` (CLDR rules for
/// integers: French and Portuguese count 0 and 1 as one, the others
/// only 1).
pub fn plural_is_one(lang: &str, n: i64) -> bool {
    let primary = lang.split('-').next().unwrap_or("").to_ascii_lowercase();
    match primary.as_str() {
        "fr" | "pt" => n == 0 || n == 1,
        _ => n == 1,
    }
}

/// `raw` with each `{name}` of `args` replaced (others left as they are).
fn fill(raw: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses a table, flattening sections into dotted keys.
fn parse(src: &str) -> std::result::Result<Table, toml::de::Error> {
    let value: toml::Table = toml::from_str(src)?;
    let mut table = Table::new();
    flatten("", &value, &mut table).map_err(serde::de::Error::custom)?;
    Ok(table)
}

fn flatten(prefix: &str, value: &toml::Table, out: &mut Table) -> std::result::Result<(), String> {
    for (k, v) in value {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, Entry::Text(s.clone()));
            }
            toml::Value::Array(items) => {
                let list = items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("`{key}`: a list of strings is expected"))?;
                out.insert(key, Entry::List(list));
            }
            toml::Value::Table(t) if t.contains_key("one") || t.contains_key("other") => {
                let form = |f: &str| {
                    t.get(f)
                        .and_then(|v| v.as_str())
                        .map(str::to_string)
                        .ok_or_else(|| {
                            format!("`{key}.{f}`: the plural form `{f}` is missing or not text")
                        })
                };
                out.insert(
                    key.clone(),
                    Entry::Plural {
                        one: form("one")?,
                        other: form("other")?,
                    },
                );
            }
            toml::Value::Table(t) => flatten(&key, t, out)?,
            _ => {
                return Err(format!(
                    "`{key}`: a text, a list or plural forms are expected"
                ));
            }
        }
    }
    Ok(())
}

/// `path:line:col` of a TOML error, when it has a position.
fn located(path: &Path, src: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let before = &src[..span.start.min(src.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("{}:{line}:{col}", path.display())
        }
        None => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests;
