//! RSS 2.0, built with the `rss` crate (see the parent module for the
//! choices every feed shares).

use ::rss::extension::atom::{AtomExtension, Link};
use ::rss::{Category, Channel, ChannelBuilder, Guid, Item, ItemBuilder};

use super::{Author, Entry, description, escape_html, xml_text};
use crate::error::{Error, Result};
use crate::render::context::NewsletterContext;

/// The namespace of `content:encoded`.
const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
/// The namespace of `atom:link`.
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// The channel for `entries` (newest first), at most `max_items` of them,
/// with `author` (from `newsletter.from`) as its managing editor and each
/// item's author.
pub fn channel(
    newsletter: &NewsletterContext,
    author: Option<&Author>,
    entries: &[Entry<'_>],
    max_items: Option<usize>,
) -> Channel {
    let limit = max_items.unwrap_or(usize::MAX);
    let author = author.map(Author::rss);
    let items: Vec<Item> = entries
        .iter()
        .take(limit)
        .map(|e| item(e, author.clone()))
        .collect();
    let mut namespaces = std::collections::BTreeMap::new();
    namespaces.insert("atom".to_string(), ATOM_NS.to_string());
    namespaces.insert("content".to_string(), CONTENT_NS.to_string());
    let self_link = Link {
        href: xml_text(&newsletter.feed_url),
        rel: "self".into(),
        mime_type: Some("application/rss+xml".into()),
        ..Link::default()
    };
    ChannelBuilder::default()
        .title(xml_text(&newsletter.title))
        .link(xml_text(&newsletter.archive_url))
        .description(escape_html(&xml_text(&newsletter.description)))
        .language(Some(xml_text(&newsletter.language)))
        .managing_editor(author)
        .generator(Some(format!("newsletter {}", env!("CARGO_PKG_VERSION"))))
        .docs(Some("https://www.rssboard.org/rss-specification".into()))
        .last_build_date(entries.first().map(|e| e.issue.date.to_rfc2822()))
        .namespaces(namespaces)
        .atom_ext(Some(AtomExtension {
            links: vec![self_link],
        }))
        .items(items)
        .build()
}

fn item(entry: &Entry<'_>, author: Option<String>) -> Item {
    let issue = &entry.issue.context.issue;
    let guid = Guid {
        value: xml_text(&issue.url),
        permalink: true,
    };
    ItemBuilder::default()
        .title(Some(xml_text(&entry.issue.subject)))
        .link(Some(xml_text(&issue.url)))
        .guid(Some(guid))
        .pub_date(Some(entry.issue.date.to_rfc2822()))
        .author(author)
        .categories(
            issue
                .categories
                .iter()
                .map(|c| Category {
                    name: xml_text(&c.name),
                    domain: None,
                })
                .collect::<Vec<_>>(),
        )
        .description(Some(escape_html(&xml_text(&description(
            &entry.issue.context,
        )))))
        .content(Some(xml_text(&entry.html)))
        .build()
}

/// The feed as XML bytes, with a final newline.
pub fn to_xml(channel: &Channel) -> Result<Vec<u8>> {
    let mut out = channel
        .pretty_write_to(Vec::new(), b' ', 2)
        .map_err(|e| Error::failed("cannot write the RSS feed").with_source(e))?;
    out.push(b'\n');
    Ok(out)
}
