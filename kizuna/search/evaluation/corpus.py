"""A generated helpdesk: organizations, contacts and tickets in Japanese and English, whose
every ticket records what it is about, so that a labelled query knows which tickets a person
would expect it to find (`queries.yaml`), whatever the search engine does.

Each topic is a concern a customer writes about; every sentence written for it carries the
topic's key word, in varied forms (請求書, 請求先, 請求されて; invoice, invoiced, invoices), so
that "about this topic" and "holds this concept" are the same thing for the labels. The
sentences, names and companies are written for this corpus. Filler (greetings, an agent's
holding reply) carries none of the key words, names or company names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

TOPICS: dict[str, tuple[str, list[str], list[str]]] = {
    # id: (language, subjects, sentences)
    "ja-password": (
        "ja",
        ["ログインについて", "パスワードの件"],
        [
            "パスワードを忘れてしまいました。",
            "先週変更したパスワードでログインできません。",
            "パスワードの有効期限が切れたと表示されます。",
        ],
    ),
    "ja-invoice": (
        "ja",
        ["今月のご請求について", "お支払いの件"],
        [
            "今月の請求書の金額が見積もりと違っております。",
            "請求先の住所を本社に変更したいです。",
            "同じ月の利用料が二重に請求されているようです。",
        ],
    ),
    "ja-outage": (
        "ja",
        ["サイトが表示されない", "至急のご連絡"],
        [
            "昨夜からサーバー障害でサイトが表示されません。",
            "障害の復旧見込みを教えてください。",
            "通信障害が発生しているのでしょうか。",
        ],
    ),
    "ja-reboot": (
        "ja",
        ["サーバーの動作が不安定", "作業のご相談"],
        [
            "仮想サーバーを再起動しても改善しません。",
            "再起動の手順を教えていただけますか。",
            "夜間に再起動していただいても問題ありません。",
        ],
    ),
    "ja-tokyo": (
        "ja",
        ["拠点からの接続", "事務所の回線"],
        [
            "東京都の事務所からVPNに接続できません。",
            "東京都港区の拠点でも同じ症状が出ています。",
        ],
    ),
    "ja-kyoto": (
        "ja",
        ["支店の件", "営業所からのお問い合わせ"],
        [
            "京都の支店でプリンターが使えません。",
            "京都営業所のパソコンだけ社内システムに入れません。",
        ],
    ),
    "ja-backup": (
        "ja",
        ["データの復元", "データについて"],
        [
            "昨日のバックアップからファイルを戻していただけますか。",
            "バックアップが毎晩取得されているか確認したいです。",
            "バックアップの保存期間を延ばすことはできますか。",
        ],
    ),
    "ja-certificate": (
        "ja",
        ["有効期限の通知", "更新のお願い"],
        [
            "SSL証明書の期限が近いという通知が届きました。",
            "証明書の更新はどのように行えばよいでしょうか。",
            "ブラウザで証明書のエラーが表示されます。",
        ],
    ),
    "ja-disk": (
        "ja",
        ["容量の警告", "領域の件"],
        [
            "ディスクの使用率が九割を超えたと警告が出ました。",
            "ディスク容量を追加したいと考えております。",
        ],
    ),
    "ja-dns": (
        "ja",
        ["レコード変更のお願い", "名前解決の件"],
        [
            "DNSの設定を変更していただけますか。",
            "ＤＮＳレコードの反映に時間がかかっているようです。",
            "DNSサーバーから応答がありません。",
        ],
    ),
    "ja-cancel": (
        "ja",
        ["契約について", "手続きのご相談"],
        [
            "来月末で解約したいと考えております。",
            "解約の手続きを教えてください。",
            "解約後もデータを受け取れますか。",
        ],
    ),
    "en-password": (
        "en",
        ["Cannot sign in", "Account access"],
        [
            "I forgot my password and cannot sign in.",
            "The password reset mail never arrived.",
            "Passwords for two of our users expired yesterday.",
        ],
    ),
    "en-invoice": (
        "en",
        ["Billing question", "About this month's charges"],
        [
            "The invoice for November shows the wrong amount.",
            "We were invoiced twice for the same plan.",
            "Please send corrected invoices for both months.",
        ],
    ),
    "en-outage": (
        "en",
        ["Site unreachable", "Urgent: service down"],
        [
            "Is there an outage in the Osaka data centre?",
            "The outage started at nine this morning and our shop is offline.",
            "Please tell us when the outage will be over.",
        ],
    ),
    "en-reboot": (
        "en",
        ["Server unstable", "Maintenance request"],
        [
            "Rebooting the server did not help.",
            "Can you reboot the database at night?",
            "After yesterday's reboot the application fails to start.",
        ],
    ),
    "en-backup": (
        "en",
        ["Restore request", "Question about our data"],
        [
            "Please restore yesterday's backup of the shared folder.",
            "Are backups taken every night?",
            "The nightly backup job failed twice this week.",
        ],
    ),
    "en-certificate": (
        "en",
        ["Expiry warning", "Browser warning"],
        [
            "The TLS certificate for our shop expires next week.",
            "Are certificates renewed automatically?",
            "Visitors see a warning about an expired certificate.",
        ],
    ),
    "en-disk": (
        "en",
        ["Storage warning", "Running out of space"],
        [
            "The disk on our file server is almost full.",
            "Disk usage went over ninety percent overnight.",
        ],
    ),
    "en-dns": (
        "en",
        ["Record change", "Name resolution"],
        [
            "Please change the DNS record for our mail.",
            "DNS changes we made on Monday have not propagated.",
            "Our DNS provider says the zone is fine.",
        ],
    ),
    "en-cancel": (
        "en",
        ["Contract question", "Ending the service"],
        [
            "We would like to cancel the contract at the end of March.",
            "What happens to our data once we cancel?",
            "Cancelling the second plan only, please.",
        ],
    ),
}

FILLER = {
    "ja": {
        "opening": [
            "いつもお世話になっております。",
            "お世話になります。",
            "突然のご連絡失礼いたします。",
        ],
        "closing": [
            "よろしくお願いいたします。",
            "ご確認をお願いできますでしょうか。",
            "お手数をおかけします。",
        ],
        "agent": [
            "ご連絡ありがとうございます。担当者が確認しております。",
            "状況を確認し、本日中に改めてご連絡いたします。",
            "お待たせしております。引き続き調査しております。",
        ],
    },
    "en": {
        "opening": ["Hello,", "Good morning,", "Hi team,"],
        "closing": ["Thanks in advance.", "Kind regards.", "Looking forward to hearing from you."],
        "agent": [
            "Thank you for writing to us; we are looking into it now.",
            "We will write again today with what we have found.",
            "Sorry for the wait; the investigation is still going on.",
        ],
    },
}

FAMILY_JA = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
GIVEN_JA = ["花子", "太郎", "美咲", "健一", "直子", "翔太"]
ROMAJI = {
    "佐藤": "sato", "鈴木": "suzuki", "高橋": "takahashi", "田中": "tanaka", "伊藤": "ito",
    "渡辺": "watanabe", "山本": "yamamoto", "中村": "nakamura", "小林": "kobayashi", "加藤": "kato",
    "花子": "hanako", "太郎": "taro", "美咲": "misaki", "健一": "kenichi", "直子": "naoko",
    "翔太": "shota",
}  # fmt: skip
FAMILY_EN = ["Carter", "Nguyen", "Schmidt", "Okafor", "Larsen", "Dubois", "Moreau", "Fischer"]
GIVEN_EN = ["Emma", "Liam", "Olivia", "Noah", "Sofia", "Lucas"]
ORGS = {
    "ja": [
        ("青空物産株式会社", "aozora.example.jp"),
        ("みなと精工株式会社", "minato-seiko.example.jp"),
        ("北斗システム株式会社", "hokuto-sys.example.jp"),
        ("若葉会計事務所", "wakaba-kaikei.example.jp"),
    ],
    "en": [
        ("Northwind Traders", "northwind.example"),
        ("Blue Harbor Logistics", "blueharbor.example"),
        ("Acme Widgets", "acme-widgets.example"),
        ("Greenfield Dental", "greenfield-dental.example"),
    ],
}
ATTACHMENTS = {
    "ja": ["スクリーンショット.png", "エラー画面.png", "見積書_2026年11月.pdf"],
    "en": ["screenshot.png", "error-log.txt", "quote-2026-11.pdf"],
}


@dataclass(frozen=True)
class ContactSpec:
    key: int
    lang: str
    family: str
    given: str
    organization: int  # index into organizations()

    @property
    def name(self) -> str:
        return f"{self.family} {self.given}" if self.lang == "ja" else f"{self.given} {self.family}"

    @property
    def email(self) -> str:
        org_domain = organizations()[self.organization][1]
        if self.lang == "ja":
            local = f"{ROMAJI[self.given]}.{ROMAJI[self.family]}"
        else:
            local = f"{self.given}.{self.family}".lower()
        return f"{local}{self.key}@{org_domain}"


@dataclass
class TicketSpec:
    contact: ContactSpec
    subject: str
    # (who wrote it: "customer" or "agent", text); the first is the request.
    messages: list[tuple[str, str]]
    attachment: str = ""
    topics: frozenset[str] = field(default_factory=frozenset)


def organizations() -> list[tuple[str, str]]:
    return ORGS["ja"] + ORGS["en"]


def contacts(per_organization: int = 12) -> list[ContactSpec]:
    rng = random.Random(3)
    out = []
    for index, _ in enumerate(organizations()):
        lang = "ja" if index < len(ORGS["ja"]) else "en"
        families, givens = (FAMILY_JA, GIVEN_JA) if lang == "ja" else (FAMILY_EN, GIVEN_EN)
        for i in range(per_organization):
            key = index * per_organization + i
            out.append(ContactSpec(key, lang, rng.choice(families), rng.choice(givens), index))
    return out


def tickets(count: int, *, seed: int = 7, messages: int = 5) -> list[TicketSpec]:
    """`count` tickets of about `messages` messages each (at least the request)."""
    rng = random.Random(seed)
    people = contacts()
    by_lang = {lang: [t for t, (lg, _, _) in TOPICS.items() if lg == lang] for lang in ("ja", "en")}
    out = []
    for _ in range(count):
        contact = rng.choice(people)
        lang = contact.lang
        # One concern, sometimes a second one later in the conversation.
        first = rng.choice(by_lang[lang])
        topics = [first]
        if rng.random() < 0.2:
            topics.append(rng.choice([t for t in by_lang[lang] if t != first]))
        filler = FILLER[lang]
        join = "" if lang == "ja" else " "
        sentences = TOPICS[first][2]
        request = join.join(
            [rng.choice(filler["opening"]), rng.choice(sentences), rng.choice(filler["closing"])]
        )
        conversation = [("customer", request)]
        n = max(1, messages + rng.choice((-1, 0, 0, 1)))
        for i in range(1, n):
            if i % 2:
                conversation.append(("agent", rng.choice(filler["agent"])))
            elif len(topics) > 1 and i == 2:
                conversation.append(("customer", rng.choice(TOPICS[topics[1]][2])))
            else:
                conversation.append(
                    ("customer", join.join([rng.choice(sentences), rng.choice(filler["closing"])]))
                )
        out.append(
            TicketSpec(
                contact=contact,
                subject=rng.choice(TOPICS[first][1]),
                messages=conversation,
                attachment=rng.choice(ATTACHMENTS[lang]) if rng.random() < 0.15 else "",
                topics=frozenset(topics),
            )
        )
    return out
