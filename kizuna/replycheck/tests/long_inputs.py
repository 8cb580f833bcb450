"""Drafts made of one class of character (or one phrase) repeated to any length.

A checker whose regexes backtrack or whose windows are rescanned per hit is quadratic on such
input: a pasted key, a log line without spaces, a phrase copied a thousand times. Used by the
linear-time test and by `bench/replycheck.py --long`.
"""

from __future__ import annotations

UNITS = {
    "capital letters (a pasted key)": "QUJD",
    "small letters": "abcd",
    "digits": "1234",
    "letters, digits and _": "aB3_",
    "address-like": "a.b+c@",
    "path-like": "a/",
    "URL-like": "http://a",
    "dots": ".",
    "spaces and newlines": " \n",
    "quote marks": "> ",
    "full-width digits": "１２３",
    "hiragana": "あいうえお",
    "kanji": "漢字変換",
    "katakana and a long vowel": "サーバー",
    "Japanese sentences": "確認しています。",
    "English capitals and spaces": "PLEASE DO NOT ",
    "English blaming phrase": "As I already told you, the mailbox is full. ",
    "Japanese blaming phrase": "お客様が勝手にDNSを変更したため表示されません。",
    "jargon without explanation": "ドメインのSPFレコードを更新しました。",
}


def repeated(unit: str, size: int) -> str:
    """`unit` repeated to exactly `size` characters, after a short prose opening."""
    head = "key:\n"
    body = unit * ((size - len(head)) // len(unit) + 1)
    return (head + body)[:size]
