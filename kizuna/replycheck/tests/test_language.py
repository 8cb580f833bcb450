from kizuna.replycheck import check
from kizuna.replycheck.language import detect_language


def test_it_detects_japanese_even_with_many_acronyms():
    assert detect_language("DNSのMXレコードとSPFを確認しました。") == "ja"


def test_it_detects_english():
    assert detect_language("We checked the MX and SPF records for example.co.jp.") == "en"


def test_it_detects_per_message_ignoring_quoted_text():
    text = "Thank you, we are checking the server now.\n\n> サーバーが止まっています。至急確認してください。\n"
    assert check(text).lang == "en"


def test_it_defaults_to_english_for_empty_text():
    assert check("").lang == "en"
    assert check("").findings == []
