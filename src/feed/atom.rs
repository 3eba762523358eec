//! Atom 1.0 (RFC 4287), built as data with the `atom_syndication` crate
//! from the same entries as the RSS feed.

use atom_syndication::{
    Category, Content, Entry as AtomEntry, Feed, Generator, Link, Person, Text, WriteConfig,
};

use super::{Author, Entry, Source, description, xml_text};
use crate::error::{Error, Result};

/// The Atom document of `source`, as bytes with a final newline.
pub fn atom(source: &Source<'_>) -> Result<Vec<u8>> {
    let n = source.newsletter;
    let author = person(source.author, &n.title);
    let feed = Feed {
        title: Text::plain(xml_text(&n.title)),
        id: xml_text(&n.archive_url),
        updated: source
            .entries
            .first()
            .map_or(source.empty_date, |e| e.issue.date),
        authors: vec![author.clone()],
        generator: Some(Generator {
            value: "newsletter".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        links: vec![
            link(&source.self_url, "self", "application/atom+xml"),
            link(&n.archive_url, "alternate", "text/html"),
        ],
        subtitle: (!n.description.is_empty()).then(|| Text::plain(xml_text(&n.description))),
        entries: source.entries.iter().map(|e| entry(e, &author)).collect(),
        lang: Some(xml_text(&n.language)),
        ..Feed::default()
    };
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    let mut out = feed
        .write_with_config(Vec::new(), config)
        .map_err(|e| Error::failed("cannot write the Atom feed").with_source(e))?;
    out.push(b'\n');
    Ok(out)
}

fn entry(e: &Entry<'_>, author: &Person) -> AtomEntry {
    let issue = &e.issue.context.issue;
    AtomEntry {
        title: Text::plain(xml_text(&e.issue.subject)),
        id: xml_text(&issue.url),
        updated: e.issue.date,
        published: Some(e.issue.date),
        authors: vec![author.clone()],
        categories: issue
            .categories
            .iter()
            .map(|c| Category {
                term: xml_text(&c.slug),
                label: Some(xml_text(&c.name)),
                ..Category::default()
            })
            .collect(),
        links: vec![link(&issue.url, "alternate", "text/html")],
        summary: Some(Text::plain(xml_text(&description(&e.issue.context)))),
        content: Some(Content {
            value: Some(xml_text(&e.html)),
            content_type: Some("html".into()),
            ..Content::default()
        }),
        ..AtomEntry::default()
    }
}

fn link(href: &str, rel: &str, mime: &str) -> Link {
    Link {
        href: xml_text(href),
        rel: rel.into(),
        mime_type: Some(mime.into()),
        ..Link::default()
    }
}

/// The feed's author: `newsletter.from`, else the newsletter's title (Atom
/// requires a name).
fn person(author: Option<&Author>, title: &str) -> Person {
    match author {
        Some(a) => Person {
            name: a.name.clone().unwrap_or_else(|| a.email.clone()),
            email: Some(xml_text(&a.email)),
            ..Person::default()
        },
        None => Person {
            name: super::one_line_text(title),
            ..Person::default()
        },
    }
}
