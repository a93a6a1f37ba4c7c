# Parsing without any file: XML, HTML, email, URLs, shell words, JSON lines, tomllib.
import email
import html
import json
import shlex
import tomllib
import urllib.parse
import xml.etree.ElementTree as ET
from html.parser import HTMLParser


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.found.append(dict(attrs).get("href"))


def main():
    tree = ET.fromstring("<root><item id='1'>a</item><item id='2'>b</item></root>")
    links = Links()
    links.feed('<p><a href="/x">x</a> <a href="https://e.org/y?z=1">y</a></p>')
    message = email.message_from_string("From: a@example.org\nSubject: Hi\n\nBody text\n")
    url = urllib.parse.urlparse("https://user@example.org:8080/p/a?q=1&r=2#frag")
    return {
        "xml": [(item.get("id"), item.text) for item in tree.iter("item")],
        "links": links.found,
        "email": [message["Subject"], message.get_payload().strip()],
        "url": [url.hostname, url.port, urllib.parse.parse_qs(url.query)],
        "quote": urllib.parse.quote("a b/c?d"),
        "shlex": shlex.split("cmd --opt 'quoted arg' \"double\""),
        "escape": html.escape("<a & b>"),
        "jsonl": [json.loads(line)["n"] for line in '{"n": 1}\n{"n": 2}'.splitlines()],
        "toml": tomllib.loads('title = "x"\n[owner]\nage = 3\n'),
    }
