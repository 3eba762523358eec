use super::*;

const SEED: &str = include_str!("../../content/topics.md");

fn names(l: &TopicList, hidden: bool) -> Vec<&str> {
    l.categories
        .iter()
        .filter(|c| c.hidden == hidden)
        .map(|c| c.name.as_str())
        .collect()
}

#[test]
fn the_seed_list_gives_its_exact_categories() {
    let l = TopicList::parse(SEED).unwrap();
    assert_eq!(
        l.title.as_deref(),
        Some("DjangoCon US 2024 Topics Inspiration List")
    );
    let p = l.published.as_ref().unwrap();
    assert_eq!(p.text, "March 3, 2024");
    assert_eq!(p.date, NaiveDate::from_ymd_opt(2024, 3, 3));
    assert_eq!(
        names(&l, false),
        [
            "Performance",
            "Alternative Django Use Cases",
            "Novel Uses for Django",
            "API",
            "How to Use/Better Popular CMS",
            "New-ish or Experimental Technologies",
            "Problem Solving Techniques",
            "Python Packaging and Open Source",
            "Django Core",
            "Addressing Hard Topics/Making New Progress",
            "Django Software Foundation",
        ]
    );
    assert_eq!(
        names(&l, true),
        [
            "New Features and Future Outlook",
            "Opinionated Django",
            "How to Raise Your Game",
            "Team, Leadership, Building, Learning"
        ]
    );
    let counts: Vec<usize> = l.categories.iter().map(|c| c.topics.len()).collect();
    assert_eq!(counts, [2, 2, 6, 2, 2, 8, 2, 3, 3, 3, 1, 4, 4, 6, 4]);
    let lines: Vec<usize> = l.categories.iter().map(|c| c.line).collect();
    assert_eq!(lines[..3], [5, 9, 13]);
    assert_eq!(l.categories[1].slug, "alternative-django-use-cases");
    assert_eq!(l.categories[4].slug, "how-to-use-better-popular-cms");
    let packaging = &l.categories[7].topics[0].markdown;
    assert_eq!(
        packaging,
        "New developments in Pytho/Django packaging landscape, including [uv package manager](https://github.com/astral-sh/uv)"
    );
    // Trailing no-break spaces are trimmed, inner ones kept.
    assert_eq!(
        l.categories[5].topics[0].markdown,
        "Co-Pilot, ChatGPT, etc. for Django devs"
    );
    assert_eq!(
        l.categories[2].topics[1].markdown,
        "Prototyping\u{a0}with Django for fun and profit"
    );
    assert_eq!(l.notes.len(), 1);
    assert!(l.notes[0].hidden);
    assert!(l.notes[0].markdown.starts_with(
        "For even more ideas, see my fellow DEFNA Board Member Jeff Triplett's [list]"
    ));
    assert!(l.warnings.is_empty());
}

#[test]
fn headings_numbered_lists_other_bullets_and_nesting() {
    let src = "# Title\n\n## API\n1. Ninja\n2. DRF\n   - serializers\n   - viewsets\n\nDeploy\n- one\n+ two\n";
    let l = TopicList::parse(src).unwrap();
    assert_eq!(names(&l, false), ["API", "Deploy"]);
    assert_eq!(l.categories[0].topics.len(), 2);
    assert_eq!(l.categories[0].topics[1].markdown, "DRF");
    let kids: Vec<&str> = l.categories[0].topics[1]
        .children
        .iter()
        .map(|t| t.markdown.as_str())
        .collect();
    assert_eq!(kids, ["serializers", "viewsets"]);
    // `+` starts a new list in CommonMark; an adjacent list still belongs to the category.
    let deploy: Vec<&str> = l.categories[1]
        .topics
        .iter()
        .map(|t| t.markdown.as_str())
        .collect();
    assert_eq!(deploy, ["one", "two"]);
}

#[test]
fn inline_markdown_is_kept_verbatim() {
    let l = TopicList::parse("Links\n* See *this* and `code` and [x](https://x.org)  \n").unwrap();
    assert_eq!(
        l.categories[0].topics[0].markdown,
        "See *this* and `code` and [x](https://x.org)"
    );
}

#[test]
fn crlf_bom_and_blank_lines_between_items_are_accepted() {
    let src = "\u{feff}# T\r\n\r\nPerformance\r\n* a\r\n\r\n* b\r\n  \r\nAPI\r\n* c\r\n";
    let l = TopicList::parse(src).unwrap();
    assert_eq!(names(&l, false), ["Performance", "API"]);
    assert_eq!(
        l.categories[0]
            .topics
            .iter()
            .map(|t| t.markdown.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(l.categories[1].line, 8);
}

#[test]
fn hidden_categories_and_notes_in_comments() {
    let src = "A\n* a\n\nA note.\n\n<!--\nB\n* b\n\nHidden note.\n-->\n";
    let l = TopicList::parse(src).unwrap();
    assert_eq!(names(&l, false), ["A"]);
    assert_eq!(names(&l, true), ["B"]);
    assert_eq!(l.categories[1].line, 7);
    let notes: Vec<(&str, bool)> = l
        .notes
        .iter()
        .map(|n| (n.markdown.as_str(), n.hidden))
        .collect();
    assert_eq!(notes, [("A note.", false), ("Hidden note.", true)]);
}

#[test]
fn empty_and_whitespace_files_have_no_categories() {
    for src in ["", "   \n\n", "\u{feff}", "# Only a title\n\nAnd a note.\n"] {
        let d = TopicList::parse(src).unwrap_err();
        assert_eq!(d.message, "the topic list has no categories");
        assert_eq!((d.line, d.col), (1, 1));
    }
}

#[test]
fn garbage_does_not_panic() {
    let junk: String = (0u8..=255)
        .map(char::from)
        .chain("\u{fffd}*<!--[](".chars())
        .collect();
    let _ = TopicList::parse(&junk);
    let deep: String = (0..300)
        .map(|i| format!("{}* x\n", "  ".repeat(i)))
        .collect();
    let _ = TopicList::parse(&format!("C\n{deep}"));
    let _ = TopicList::parse("<!--<!--<!--");
}

#[test]
fn duplicates_name_both_lines() {
    let d = TopicList::parse("API\n* a\n\nOther\n* b\n\napi\n* c\n").unwrap_err();
    assert_eq!(
        d.message,
        "category `api` is listed twice: here and on line 1"
    );
    assert_eq!((d.line, d.col), (7, 1));
}

#[test]
fn a_list_without_a_category_points_at_the_list() {
    let d = TopicList::parse("# T\n\n* orphan\n").unwrap_err();
    assert_eq!(d.message, "a list with no category before it");
    assert_eq!((d.line, d.col), (3, 1));
    let d = TopicList::parse("A\n* a\n\nTwo lines\nof text\n* b\n").unwrap_err();
    assert_eq!(d.message, "a list with no category before it");
    assert_eq!(d.line, 6);
}

#[test]
fn a_category_without_topics_is_a_warning() {
    let l = TopicList::parse("## Empty\n\n## Full\n* x\n").unwrap();
    assert_eq!(names(&l, false), ["Empty", "Full"]);
    assert_eq!(l.warnings.len(), 1);
    assert_eq!(l.warnings[0].message, "category `Empty` has no topics");
    assert_eq!(l.warnings[0].line, 1);
}

#[test]
fn slugs_are_unique() {
    let l = TopicList::parse("C++\n* a\n\nC--\n* b\n\nC!!\n* c\n\n¡¡¡\n* d\n").unwrap();
    let slugs: Vec<&str> = l.categories.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(slugs, ["c", "c-2", "c-3", "category"]);
    assert_eq!(slugify("Café Déjà Vu"), "cafe-deja-vu");
}

#[test]
fn names_match_normalized() {
    let l = TopicList::parse(SEED).unwrap();
    assert_eq!(l.find("opinionated django"), Some(12));
    assert_eq!(l.find("  API "), Some(3));
    assert_eq!(l.find("Nope"), None);
}

#[test]
fn from_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("topics.md");
    std::fs::write(&p, "# T\n\n* orphan\n").unwrap();
    let e = TopicList::from_file(&p).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!(
            "{}:3:1: a list with no category before it",
            p.display()
        )),
        "{}",
        e.to_string()
    ); // Missing, or a folder: bad input that says where the path comes from.
    for missing in [dir.path().join("nope.md"), dir.path().to_path_buf()] {
        let e = TopicList::from_file(&missing).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains(&missing.display().to_string()));
        assert!(e.to_string().contains("[content]"), "{}", e.to_string());
    }
}

#[test]
fn raw_html_items_are_kept_as_source_and_empty_items_dropped() {
    let l =
        TopicList::parse("C\n* <script>alert(1)</script> text\n* <!-- old -->\n* kept\n").unwrap();
    let t: Vec<&str> = l.categories[0]
        .topics
        .iter()
        .map(|t| t.markdown.as_str())
        .collect();
    assert_eq!(t, ["<script>alert(1)</script> text", "kept"]);
}

#[test]
fn a_name_is_its_text_without_inline_markup_and_so_is_its_slug() {
    let l = TopicList::parse(
        "**Community & Education**\n* a\n\n_Emphasis_ and `code`\n* b\n\n[Linked](https://x.example) ~~old~~ &amp; *new*\n* c\n\n## **Bold** heading\n* d\n\nPlain & Simple\n* e\n",
    )
    .unwrap();
    assert_eq!(
        names(&l, false),
        [
            "Community & Education",
            "Emphasis and code",
            "Linked old & new",
            "Bold heading",
            "Plain & Simple"
        ]
    );
    let slugs: Vec<&str> = l.categories.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(
        slugs,
        [
            "community-education",
            "emphasis-and-code",
            "linked-old-new",
            "bold-heading",
            "plain-simple"
        ]
    );
    // Notes keep their Markdown as written.
    let l = TopicList::parse("A\n* a\n\n**Not** a category,\nit has two lines.\n").unwrap();
    assert_eq!(
        l.notes[0].markdown,
        "**Not** a category,\nit has two lines."
    );
}

#[test]
fn a_bold_name_and_its_plain_twin_are_the_same_category() {
    let d = TopicList::parse("**API**\n* a\n\nAPI\n* b\n").unwrap_err();
    assert_eq!(
        d.message,
        "category `API` is listed twice: here and on line 1"
    );
    assert_eq!((d.line, d.col), (4, 1));
}

#[test]
fn plain_name_strips_markup_like_the_parser_and_keeps_block_syntax_as_text() {
    assert_eq!(
        plain_name("**Community &amp; Education**"),
        "Community & Education"
    );
    assert_eq!(plain_name("  _a_   `b`  "), "a b");
    assert_eq!(plain_name("Community & Education"), "Community & Education");
    // Text that would be a list, heading or quote on a line of its own.
    assert_eq!(plain_name("1. Intro"), "1. Intro");
    assert_eq!(plain_name("# Hash"), "# Hash");
    assert_eq!(plain_name("> quoted"), "> quoted");
    assert_eq!(plain_name("- dash"), "- dash");
    assert_eq!(plain_name(""), "");
}

#[test]
fn lines_and_warnings_of_a_long_list_are_exact() {
    let mut src = String::from("# Big\r\n\r\n");
    for i in 0..3000 {
        src.push_str(&format!("Category {i}\r\n* topic {i}\r\n\r\n"));
    }
    src.push_str("## Empty one\r\n");
    let l = TopicList::parse(&src).unwrap();
    assert_eq!(l.categories.len(), 3001);
    assert_eq!(l.categories[0].line, 3);
    assert_eq!(l.categories[2999].line, 3 + 3 * 2999);
    assert_eq!(l.categories[2999].slug, "category-2999");
    let w = &l.warnings[0];
    assert_eq!((w.line, w.col), (3 + 3 * 3000, 1));
    assert_eq!(w.snippet, "## Empty one");
    assert_eq!(
        Diagnostic::at(&src, src.len() - 5, "x"),
        super::lines::LineIndex::new(&src).diagnostic(&src, src.len() - 5, "x")
    );
}
