"""Reads a DOM dumped by headless Chromium and prints, as JSON, what the
report specs check: the title, the tables (header texts, and each cell's
text and data-v), the warnings, element counts and every attribute that
could fetch something. Uses only the standard library's html.parser."""
import json
import sys
from html.parser import HTMLParser

FETCHING_ATTRS = {"src", "href", "xlink:href", "action", "formaction", "srcset", "data", "poster"}


class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = {"title": "", "tables": {}, "elements": {}, "fetching": [], "root": {}, "warnings": [],
                    "csp": None, "svg": []}
        self.in_head = False
        self.svg_item = None
        self.svg_id = None
        self.stack = []
        self.table = None
        self.row = None
        self.cell = None
        self.in_title = False
        self.in_warn = 0
        self.warn_item = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.out["elements"][tag] = self.out["elements"].get(tag, 0) + 1
        for name, value in attrs:
            if name in FETCHING_ATTRS or name.startswith("on"):
                self.out["fetching"].append([tag, name, value])
        if tag == "html":
            self.out["root"] = a
        if tag == "head":
            self.in_head = True
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.out["csp"] = a.get("content")
        if tag == "title" and self.in_head:
            self.in_title = True
        if tag == "svg":
            self.svg_id = a.get("id") or ""
        if tag in ("rect", "circle"):
            self.svg_item = {"tag": tag, "fill": a.get("fill"), "class": a.get("class"), "title": "",
                             "svg": self.svg_id}
            self.out["svg"].append(self.svg_item)
        if tag == "table":
            self.table = {"headers": [], "rows": []}
            self.out["tables"][a.get("id", "")] = self.table
        elif tag == "tr" and self.table is not None:
            self.row = {"i": a.get("data-i"), "class": a.get("class"), "cells": []}
        elif tag in ("td", "th") and self.row is not None:
            self.cell = {"t": "", "v": a.get("data-v"), "type": a.get("data-type")}
        if tag == "ul" and a.get("id") == "warnings":
            self.in_warn = 1
        if tag == "li" and self.in_warn:
            self.warn_item = ""

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag == "head":
            self.in_head = False
        if tag in ("rect", "circle"):
            self.svg_item = None
        if tag in ("td", "th") and self.cell is not None:
            self.row["cells"].append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row["i"] is None and not self.table["headers"]:
                self.table["headers"] = [c["t"] for c in self.row["cells"]]
                self.table["types"] = [c["type"] for c in self.row["cells"]]
            else:
                self.table["rows"].append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None
        if tag == "li" and self.warn_item is not None:
            self.out["warnings"].append(self.warn_item)
            self.warn_item = None
        if tag == "ul":
            self.in_warn = 0

    def handle_data(self, data):
        if self.svg_item is not None:
            self.svg_item["title"] += data
        if self.in_title:
            self.out["title"] += data
        if self.cell is not None:
            self.cell["t"] += data
        if self.warn_item is not None:
            self.warn_item += data


dom = Dom()
with open(sys.argv[1], encoding="utf-8", errors="strict") as f:
    dom.feed(f.read())
dom.close()
print(json.dumps(dom.out))
