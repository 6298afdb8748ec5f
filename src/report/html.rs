//! The HTML pieces of the report: escaping, the page frame with its inline style, and tables.
//!
//! Why apart: the report's content (mod.rs) then reads as what it shows, and every text that
//! reaches the page goes through [`esc`].

use std::fmt::Write as _;

/// `s` with the five HTML-special characters escaped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's own style: nothing is loaded from elsewhere.
const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Open Sans',sans-serif;\
max-width:1100px;margin:2em auto;padding:0 1em;color:#1a1a1a;line-height:1.45}\
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:.6em 0}\
td,th{padding:.2em .8em;border-bottom:1px solid #eee;text-align:left}\
table.metrics td:nth-child(n+3){text-align:right;font-variant-numeric:tabular-nums}\
table.metrics th[colspan]{background:#f3f3f3;padding-top:.5em}\
figure{margin:1.5em 0}figure svg{width:100%;height:auto;border:1px solid #eee}\
figcaption{color:#555;font-size:.92em}\
p.stenosis{padding:.4em .8em;border-left:4px solid}\
p.risk{border-color:#D55E00;background:#fbeee6}p.ok{border-color:#009E73;background:#e8f5f0}\
pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:.85em}\
dt{font-weight:bold}dd{margin:0 0 .5em 1.5em;word-break:break-all}";

pub fn open_page(page: &mut String, title: &str) {
    let _ = writeln!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(title)
    );
}

pub fn close_page(page: &mut String) {
    let _ = writeln!(page, "</body>\n</html>");
}

/// A table of class `class`: `header` cells (escaped here) and rows of ready-made `<td>`/`<th>`
/// cells.
pub fn table(page: &mut String, class: &str, header: &[String], rows: &[Vec<String>]) {
    let _ = write!(page, "<table class=\"{class}\">\n<thead><tr>");
    for h in header {
        let _ = write!(page, "<th>{}</th>", esc(h));
    }
    let _ = writeln!(page, "</tr></thead>\n<tbody>");
    for row in rows {
        let _ = writeln!(page, "<tr>{}</tr>", row.concat());
    }
    let _ = writeln!(page, "</tbody></table>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
