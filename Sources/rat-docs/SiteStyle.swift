/// The site's one stylesheet, written into every page (no side files to fetch).
let siteStyle = """
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #6e6e73; --bg: #fff; --code-bg: #f5f5f7; --link: #0066cc; --rule: #d2d2d7; }
@media (prefers-color-scheme: dark) { :root { --fg: #f5f5f7; --muted: #a1a1a6; --bg: #1d1d1f; --code-bg: #2c2c2e; --link: #2997ff; --rule: #424245; } }
body { margin: 0; font: 16px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 10px 24px; border-bottom: 1px solid var(--rule); font-weight: 600; }
header a { color: var(--fg); text-decoration: none; }
main { max-width: 860px; margin: 0 auto; padding: 12px 24px 64px; }
a { color: var(--link); text-decoration: none; } a:hover { text-decoration: underline; }
nav.crumbs { font-size: 14px; color: var(--muted); margin: 8px 0 24px; }
p.role { color: var(--muted); margin: 0; font-size: 15px; }
h1 { font-size: 34px; line-height: 1.15; margin: 4px 0 12px; }
h2 { font-size: 26px; margin: 40px 0 12px; padding-top: 12px; border-top: 1px solid var(--rule); }
h3 { font-size: 20px; margin: 28px 0 8px; }
p.abstract { font-size: 19px; color: var(--fg); }
code, pre { font: 14px/1.5 ui-monospace, "SF Mono", Menlo, Consolas, monospace; }
pre { background: var(--code-bg); padding: 12px 16px; border-radius: 8px; overflow-x: auto; }
pre.declaration .keyword { color: #ad3da4; } pre.declaration .identifier { font-weight: 600; }
ul.links { list-style: none; padding: 0; } ul.links li { margin: 0 0 12px; }
ul.links .abstract { color: var(--muted); font-size: 15px; }
.aside { border-left: 4px solid var(--link); background: var(--code-bg); padding: 4px 16px; margin: 16px 0; border-radius: 4px; }
.aside.warning, .aside.important { border-color: #e07000; }
.aside-name { font-weight: 600; margin: 8px 0 0; }
table { border-collapse: collapse; margin: 16px 0; } td, th { border: 1px solid var(--rule); padding: 6px 10px; text-align: left; vertical-align: top; }
td p, th p { margin: 0; }
dl.parameters dt { margin-top: 8px; } dl.parameters dd { margin-left: 24px; }
.row { display: flex; gap: 24px; } .row .column { flex: 1; }
.step, .question { border: 1px solid var(--rule); border-radius: 8px; padding: 4px 16px; margin: 16px 0; }
.step-number { font-weight: 600; color: var(--muted); margin: 8px 0 0; }
.file-name { font: 13px ui-monospace, Menlo, monospace; color: var(--muted); margin: 12px 0 -8px; }
img.media { max-width: 100%; border: 1px solid var(--rule); border-radius: 8px; margin: 12px 0; }
details summary p { display: inline; } .correct { color: #1a7f37; } .incorrect { color: #c9372c; }
"""

/// A whole page of the site: `header` (HTML) above `body`, with the stylesheet inline.
func siteDocument(title: String, header: String, body: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(escape(title))</title>
    <style>\(siteStyle)</style>
    </head><body>
    <header>\(header)</header>
    <main>
    \(body)
    </main>
    </body></html>

    """
}
