"""The jargon glossary: its size, its shape, and what its patterns do and do not match."""

import pytest
import yaml

from kizuna.replycheck import check
from kizuna.replycheck.rules import RULES_DIR, load_glossary

ENTRIES = yaml.safe_load((RULES_DIR / "glossary.yaml").read_text(encoding="utf-8"))["terms"]
LANGS = ("en", "ja")


def _terms(lang):
    return load_glossary("glossary.yaml", lang)


def _matches(lang, text):
    """Ids of the terms whose patterns occur in `text`, with what they matched."""
    return [(term.id, text[s:e]) for term, tokens in _terms(lang) for s, e in tokens.finditer(text)]


def _jargon(text, lang):
    return [f for f in check(text, lang=lang).findings if f.category == "jargon"]


def test_it_has_at_least_300_terms_with_unique_ids():
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) >= 300
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("lang", LANGS)
def test_every_term_has_patterns_a_name_and_a_plain_explanation(lang):
    for entry in ENTRIES:
        assert entry.get(lang), (entry["id"], lang, "patterns")
        assert entry["name"][lang].strip(), (entry["id"], lang, "name")
        plain = entry["plain"][lang].strip()
        assert len(plain) >= 8, (entry["id"], lang, "plain")
    assert len(_terms(lang)) == len(ENTRIES)


@pytest.mark.parametrize("lang", LANGS)
def test_every_term_matches_its_own_name(lang):
    names = {e["id"]: e["name"][lang] for e in ENTRIES}
    missed = [
        (term.id, names[term.id])
        for term, tokens in _terms(lang)
        if not tokens.search(names[term.id])
    ]
    assert not missed


@pytest.mark.parametrize("lang", LANGS)
def test_plain_explanations_use_no_other_jargon(lang):
    # Common terms (DNS, IP address, VPN) may appear; the rest would need explaining too.
    found = []
    for term, _ in _terms(lang):
        found += [
            (term.id, other.id, term.plain[s:e])
            for other, tokens in _terms(lang)
            if not other.common
            for s, e in tokens.finditer(term.plain)
        ]
    assert not found


ORDINARY_EN = [
    "I will call you at 10 tomorrow.",
    "Please find attached the invoice for March.",
    "Thank you for your patience while we looked into this.",
    "As a result, the page loads again, as numbers on the dashboard show.",
    "We keep a record of every request you send us.",
    "A record number of visitors came to your shop on Friday.",
    "Take a sip of coffee and relax: everything is back to normal.",
    "Our ad team will not be involved; the ad accounts are yours.",
    "There was a raid on the warehouse next door, but your servers are fine.",
    "Payment gateway fees are listed on your invoice.",
    "The weather in Osaka was lovely, so the staff party went ahead.",
    "Room 404 is on the fourth floor; the meeting starts at 2 pm.",
    "The plan costs 500 yen a month, or 5,000 yen a year.",
    "We have 550 customers in the region and 421 of them renewed.",
    "Please bring your passport and 2 photos to the office.",
    "You can port your phone number to the new carrier.",
    "Your order was shipped in a large container yesterday.",
    "I am sorry the delay caused you trouble with your client.",
    "The bounce house for the event arrives at noon.",
    "We will relay your message to the sales manager.",
    "The queue at the front desk was long this morning.",
    "Our team will bash out a draft of the proposal together.",
    "Please sign the form and return it by Friday.",
    "The shop window display looks great now.",
    "The new manager joined the team on Monday.",
    "You can reset your password from the sign-in page.",
    "We updated the price list on your website.",
    "Your mailbox is full of good news today!",
    "Let me explain what we changed and why.",
    "With the exception of the logo, every image was restored.",
    "The retention policy for your contract is explained on page 3.",
    "Please ping me if anything is unclear.",
    "We spotted a typo in the heading and fixed it.",
    "The printer in the meeting room is working again.",
    "Our office is closed on national holidays.",
    "The lunch menu in the staff canteen has changed.",
    "Thanks for flagging this so quickly.",
    "I have forwarded your question to Ms Sato in billing.",
    "Your site is online and your shop is taking orders.",
    "We are here to help with anything else you need.",
    "Pop in any time; the parcel weighs 3 lb.",
    "Ike from our design team updated the staff bios.",
    "Your message ids are listed below, and Tanaka-san has them too.",
    "We get parameters like these from smart data about your visitors.",
    "He is a mime artist, and the show is on Saturday.",
    "We will dig into this and get back to you by noon.",
    "Our team does not have the bandwidth for this until Monday.",
    "Tanaka is a common name, so please add the customer number.",
    "Sorry about the noisy neighbours during the office move.",
    "The catering order has celery, a tomcat cartoon and a cake.",
    "The composer of the jingle sent the final recording.",
    "Your shop is now listed in three local directories.",
    "The aggregate reports for the quarter are attached.",
    "Staff health is our priority this winter.",
    "We are swapping the Tuesday and Thursday shifts.",
    "The bounce rate of the landing page fell after the redesign.",
]

ORDINARY_JA = [
    "本日中にご連絡します。",
    "請求書を添付いたしましたので、ご確認ください。",
    "ご不便をおかけして申し訳ございません。",
    "明日の10時にお電話いたします。",
    "キャッシュレス決済にも対応しております。",
    "キャッシュバックのキャンペーンは今月末までです。",
    "マージンについては営業担当からご説明します。",
    "今回のコミットメントを必ず守ります。",
    "バスターミナルの近くに新しい事務所があります。",
    "ヒップホップのイベントのページも更新しました。",
    "担当者が不在のため、折り返しご連絡いたします。",
    "ご注文の商品は昨日発送いたしました。",
    "404号室で打ち合わせをいたしましょう。",
    "月額500円のプランをご利用いただいています。",
    "お客様の会員番号は550番です。",
    "サイトの表示が元に戻りました。",
    "お問い合わせいただき、ありがとうございます。",
    "パスワードの再設定はログイン画面から行えます。",
    "次回の打ち合わせは金曜日の午後です。",
    "料金表をホームページに掲載しました。",
    "レジストリからも回答を受けています。",
    "新しい担当者は山田が務めます。",
    "ご要望を営業部に共有いたしました。",
    "印刷した資料を郵送いたします。",
    "今後ともよろしくお願いいたします。",
    "お見積もりは明日までにお送りします。",
    "会議室のプリンターは正常に動いております。",
    "ご指摘ありがとうございます。すぐに修正いたしました。",
    "弊社の営業時間は平日9時から18時までです。",
    "年末年始の休業日についてお知らせします。",
    "目標の達成にコミットしてまいります。",
    "シェル石油のカードでもお支払いいただけます。",
    "株式会社みどりファーム様からのご依頼です。",
    "第1クォーターの売上をご報告します。",
    "事業のスケールアップに向けてご提案します。",
    "コンテナ船の到着が遅れています。",
    "リテンション施策についてご相談させてください。",
    "今回は例外処理として返金いたします。",
    "ワイルドカード枠で決勝に進みました。",
    "値上げがトリガーとなって解約が増えました。",
    "○○ハウジング様にもご案内しました。",
    "容量超過のお知らせが届いたとのこと、確認いたします。",
    "新しい受付のルールを社内に浸透させます。",
    "リレー形式で担当者が引き継ぎます。",
    "チケットのステータスを「対応中」に変更しました。",
    "お手数ですが、キャッシュをクリアしてから再度お試しください。",
    "影響は東京リージョンのサーバーのみです。",
]


@pytest.mark.parametrize("text", ORDINARY_EN)
def test_no_term_matches_ordinary_english(text):
    assert not _matches("en", text)


@pytest.mark.parametrize("text", ORDINARY_JA)
def test_no_term_matches_ordinary_japanese(text):
    assert not _matches("ja", text)


FLAGGED = [
    # protocols
    ("en", "Your mail program connects with IMAP.", "imap"),
    ("en", "We enabled SFTP for your account.", "sftp"),
    ("ja", "SSH接続を許可しました。", "ssh"),
    ("ja", "NTPサーバーを変更しました。", "ntp"),
    # ports
    ("en", "Port 22 is closed on your server.", "port-number"),
    ("en", "Please open ports 80 and 443.", "port-number"),
    ("ja", "ポート443を開放しました。", "port-number"),
    ("ja", "587番ポートをお使いください。", "port-number"),
    # DNS records
    ("en", "We added a TXT record for you.", "txt-record"),
    ("en", "The NS records still point to the old host.", "ns-record"),
    ("ja", "CAAレコードを追加しました。", "caa-record"),
    ("ja", "名前解決ができない状態でした。", "name-resolution"),
    # status and error codes
    ("en", "Visitors saw a 404 page.", "http-404"),
    ("en", "The site returned a 500 Internal Server Error.", "http-500"),
    ("en", "Your message was rejected with a 550 error.", "smtp-550"),
    ("en", "The update failed with 0x80070005.", "win-access-denied"),
    ("en", "The app logs ECONNREFUSED.", "econnrefused"),
    ("ja", "403エラーが表示されています。", "http-403"),
    ("ja", "5xx系エラーが増えています。", "http-5xx"),
    ("ja", "ETIMEDOUTが記録されていました。", "etimedout"),
    # acronyms and terms
    ("en", "The hypervisor was restarted.", "hypervisor"),
    ("en", "We added a rule to the WAF.", "waf"),
    ("en", "Your site now sends an HSTS header.", "hsts"),
    ("en", "Replication lag reached two minutes.", "db-replication"),
    ("ja", "ロードバランサーを追加しました。", "load-balancer"),
    ("ja", "サーバーを冗長化しました。", "redundancy"),
    ("ja", "証明書チェーンに不備がありました。", "intermediate-cert"),
    ("ja", "原因はキャッシュです。", "cache"),
]


@pytest.mark.parametrize(("lang", "text", "term"), FLAGGED)
def test_a_term_is_flagged_for_a_general_contact(lang, text, term):
    found = {f.text for f in _jargon(text, lang)}
    assert found, text
    assert any(term == t for t, _ in _matches(lang, text))


EXPLAINED = [
    ("en", "Port 22 (the door engineers use to log in) is closed."),
    ("en", "We added an NS record, which tells the internet which servers hold your settings."),
    ("en", "The site showed a 502 error, meaning the server behind it did not answer."),
    ("en", "We set up a WAF, that is, a filter that blocks attacks before they reach your site."),
    ("en", "Your laptop uses a so-called VLAN to keep the office networks apart."),
    ("ja", "ポート443（Webサイトの暗号化された出入り口）を開放しました。"),
    ("ja", "ロードバランサーとは、アクセスを複数のサーバーに振り分ける装置です。"),
    ("ja", "冗長化、つまり予備の機器を用意する作業を行いました。"),
    ("ja", "フェイルオーバーは、本番が止まったときに予備へ切り替える仕組みのことです。"),
    ("ja", "いわゆるCDNを使って表示を速くしました。"),
    ("ja", "MTUという、回線が一度に運べるデータの大きさの上限を小さくしました。"),
    ("ja", "スナップショットと呼ばれる、ある時点の状態を丸ごと保存したものから戻しました。"),
    ("ja", "画面に出ていた「403エラー」は、昨夜の設定変更が原因でした。"),
    ("en", 'The "403 Forbidden" message you saw came from last night\'s change.'),
]


@pytest.mark.parametrize(("lang", "text"), EXPLAINED)
def test_a_term_explained_in_the_same_sentence_is_not_flagged(lang, text):
    assert _matches(lang, text), "the example must contain a term"
    assert not [f for f in _jargon(text, lang) if f.severity != "info"]


def test_an_explained_term_is_not_flagged_again_later():
    text = (
        "We moved your site behind a CDN (servers that keep copies of your site close to "
        "visitors). The CDN is now active."
    )
    assert not _jargon(text, "en")


def test_the_finding_suggests_the_plain_explanation():
    (finding,) = _jargon("The problem was in the SRV record.", "en")
    assert "which server provides a service" in finding.suggestion
    (finding,) = _jargon("SRVレコードを修正しました。", "ja")
    assert "どのサーバーが担当しているか" in finding.suggestion


def test_widely_known_terms_are_only_a_hint():
    findings = _jargon("Please check your IP address.", "en")
    assert findings
    assert all(f.severity == "info" for f in findings)


def test_a_technical_audience_gets_no_jargon_findings():
    text = "Port 22 is closed and the MX record points to the old server."
    assert _jargon(text, "en")
    assert not [
        f for f in check(text, lang="en", audience="technical").findings if f.category == "jargon"
    ]


NAMED = [(e["id"], lang, e["name"][lang], e["plain"][lang]) for e in ENTRIES for lang in LANGS]
SENTENCE = {"en": "Yesterday we checked the {} for you.", "ja": "昨日、{}を確認しました。"}
EXPLAINED_SENTENCE = {
    "en": "Yesterday we checked the {} ({}) for you.",
    "ja": "昨日、{}（{}）を確認しました。",
}


@pytest.mark.parametrize(("term", "lang", "name", "plain"), NAMED)
def test_each_term_is_flagged_in_a_sentence_and_not_once_explained(term, lang, name, plain):
    assert _jargon(SENTENCE[lang].format(name), lang), term
    explained = EXPLAINED_SENTENCE[lang].format(name, plain)
    assert not [f.text for f in _jargon(explained, lang) if f.severity != "info"], term


@pytest.mark.parametrize("lang", LANGS)
def test_a_compound_term_does_not_also_report_the_term_inside_it(lang):
    # "SMTP authentication" is one term: its "SMTP" is not reported a second time.
    names = {e["id"]: e["name"][lang] for e in ENTRIES}
    inside = [
        (term.id, other.id)
        for term, _ in _terms(lang)
        for other, tokens in _terms(lang)
        if other.id != term.id and not other.common and tokens.search(names[term.id])
    ]
    assert not inside
