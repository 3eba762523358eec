//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>), serialized with
//! serde from the same entries as the RSS feed. Fields are written in a
//! fixed order and empty ones are left out, so the file is byte-identical
//! from the same inputs.

use serde::Serialize;

use super::{Author, Entry, Source, description};
use crate::error::{Error, Result};

/// The version URL every JSON Feed 1.1 starts with.
const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct Feed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    language: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Person>,
    items: Vec<Item<'a>>,
}

#[derive(Serialize, Clone)]
struct Person {
    name: String,
    /// A `mailto:` URL (JSON Feed authors have no email field).
    url: String,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    content_html: &'a str,
    summary: String,
    date_published: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Person>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
}

/// The JSON Feed of `source`, pretty-printed, with a final newline.
pub fn json_feed(source: &Source<'_>) -> Result<Vec<u8>> {
    let n = source.newsletter;
    let authors: Vec<Person> = source
        .author
        .map(|a: &Author| Person {
            name: a.name.clone().unwrap_or_else(|| a.email.clone()),
            url: format!("mailto:{}", a.email),
        })
        .into_iter()
        .collect();
    let feed = Feed {
        version: VERSION,
        title: &n.title,
        home_page_url: &n.archive_url,
        feed_url: &source.self_url,
        description: &n.description,
        language: &n.language,
        authors: authors.clone(),
        items: source.entries.iter().map(|e| item(e, &authors)).collect(),
    };
    let mut out = serde_json::to_vec_pretty(&feed)
        .map_err(|e| Error::failed("cannot write the JSON Feed").with_source(e))?;
    out.push(b'\n');
    Ok(out)
}

fn item<'a>(e: &'a Entry<'a>, authors: &[Person]) -> Item<'a> {
    let issue = &e.issue.context.issue;
    Item {
        id: &issue.url,
        url: &issue.url,
        title: &e.issue.subject,
        content_html: &e.html,
        summary: description(&e.issue.context),
        date_published: e.issue.date.to_rfc3339(),
        authors: authors.to_vec(),
        tags: issue.categories.iter().map(|c| c.name.as_str()).collect(),
    }
}
