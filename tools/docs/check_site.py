#!/usr/bin/env python3
"""Checks the documentation site make docs built (scripts/docs.sh), as a reader opens it from disk.

    python3 tools/docs/check_site.py output/docs

1. No page loads anything: no scripts, stylesheets, frames, CSS url()s, or images other than data:
   URLs inside the page, so opening a page makes no request at all (nothing to fail, offline or not).
2. Every relative link names a file of the site (anchors included).
3. Headless Chromium, with the network cut off (a proxy that does not exist), opens the index, the
   concept article and the API index from file:// and shows what they must show.
"""
import html.parser, os, re, subprocess, sys, urllib.parse

site = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "output/docs")
failures = []


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids, self.loads = [], set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        inline_image = tag == "img" and (a.get("src") or "").startswith("data:")  # in the page itself
        if not inline_image and (tag in ("script", "img", "iframe", "link", "video", "audio", "source", "object", "embed") or "src" in a):
            self.loads.append(tag)
        if tag == "a" and "href" in a:
            self.links.append(a["href"])


pages = {}
for root, _, files in os.walk(site):
    for name in files:
        if name.endswith(".html"):
            path = os.path.join(root, name)
            text = open(path, encoding="utf-8").read()
            page = Page()
            page.feed(text)
            if re.search(r"url\(", text):
                page.loads.append("css url()")
            pages[path] = page
if len(pages) < 100:
    failures.append(f"only {len(pages)} pages in {site}")
for path, page in pages.items():
    if page.loads:
        failures.append(f"{os.path.relpath(path, site)} loads {sorted(set(page.loads))}")
    for href in page.links:
        if re.match(r"^[a-z]+:", href):  # http(s) links leave the site; following them is the reader's choice
            continue
        target, _, fragment = href.partition("#")
        file = os.path.normpath(os.path.join(os.path.dirname(path), urllib.parse.unquote(target))) if target else path
        if file not in pages:
            failures.append(f"{os.path.relpath(path, site)}: link to missing {href}")
        elif fragment and urllib.parse.unquote(fragment) not in pages[file].ids:
            failures.append(f"{os.path.relpath(path, site)}: link to missing anchor {href}")


def dom(relative):
    url = "file://" + urllib.parse.quote(os.path.join(site, relative))
    run = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
         "--proxy-bypass-list=<-loopback>", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", run.stdout))


expected = {
    "index.html": ["ReverseAttention", "RatServer"],
    "documentation/reverseattention/readingattentionasflow.html": [
        "Reading attention as flow", "Beam search, exact search and the beam gap", "The attention sink",
        "What the faithfulness check does, and does not, prove", "Attention is not Explanation"],
    "documentation/reverseattention.html": [
        "Loading a model", "Searching for paths", "Drawing the page", "ReverseAttentionTracer", "Command-line tool"],
}
for relative, texts in expected.items():
    shown = dom(relative)
    for text in texts:
        if text not in shown:
            failures.append(f"{relative}: Chromium does not show {text!r}")

for f in failures[:50]:
    print("docs check: " + f)
if failures:
    print(f"docs check: {len(failures)} problem(s)")
    sys.exit(1)
print(f"docs check: {len(pages)} pages load nothing, every link resolves, and Chromium offline shows the index, the concept article and the API index")
