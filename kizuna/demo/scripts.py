"""The demo tickets as scripts: who wrote what, when, and which status each change led to.

Every time is in hours relative to the moment of seeding (negative = in the past). A status
step's `due` is its checkpoint; "{due}" in its text becomes that time as the customer reads it
(their language and time zone), so what we promise and what we track always agree (P1).

The messages are written to the team's standard: acknowledgements say when we will be back;
status notes say what is happening and when the next update comes (P1); resolution reports
answer what caused it, what was done and what remains, whether it is fully resolved, and
whether it can recur (P2); bad news comes straight, with a plan (P11); guesses are labelled
(P7); general contacts get plain words (P6); out-of-scope work is named before it is done (P14).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    at: float
    kind: str  # assign, status, reply, note, customer
    who: str = ""
    text: str = ""
    to: str = ""
    due: float | None = None
    reason: str = ""
    team: str = ""
    # P2's answers, when the step resolves the request: cause, done, fully resolved, recurrence.
    report: tuple[str, str, str, str] | None = None


@dataclass(frozen=True)
class Script:
    requester: str
    subject: str
    body: str
    at: float
    priority: str = "normal"
    channel: str = "email"
    steps: list[Step] = field(default_factory=list)


def assign(at: float, who: str, team: str) -> Step:
    return Step(at, "assign", who=who, team=team)


def status(
    at: float,
    who: str,
    to: str,
    due: float,
    text: str,
    report: tuple[str, str, str, str] | None = None,
) -> Step:
    return Step(at, "status", who=who, to=to, due=due, text=text, report=report)


def close(at: float, who: str, reason: str = "", text: str = "") -> Step:
    return Step(at, "status", who=who, to="closed", reason=reason, text=text)


def reply(at: float, who: str, text: str) -> Step:
    return Step(at, "reply", who=who, text=text)


def note(at: float, who: str, text: str) -> Step:
    return Step(at, "note", who=who, text=text)


def customer(at: float, text: str) -> Step:
    return Step(at, "customer", text=text)


SUZUKI = "suzuki@marutaka-seiko.example.jp"
TAKAHASHI = "takahashi@marutaka-seiko.example.jp"
NAKAMURA = "nakamura@minatodai-clinic.example.jp"
ITO = "ito@minatodai-clinic.example.jp"
EMMA = "emma.clarke@harbourline.example.com"
RAJ = "raj.patel@harbourline.example.com"
MICHAEL = "michael.brown@harbourline.example.com"


SCRIPTS: list[Script] = [
    # --- 株式会社丸高精工 -----------------------------------------------------------------------
    Script(
        SUZUKI,
        "メールが送信できません",
        "総務部の鈴木です。今朝から、総務部の何人かがメールを送れなくなっています。送ると英語の"
        "「配信できませんでした」というメールが戻ってきます。受信はできています。\n"
        "取引先への見積書を今日中に送らなければならないので、急ぎで見ていただけますか。",
        at=-70,
        priority="high",
        steps=[
            assign(-69.8, "sato", "Hosting"),
            status(
                -69.7,
                "sato",
                "acknowledged",
                -68.5,
                "鈴木様\n\n佐藤です。ご連絡ありがとうございます。本日中に見積書を送る必要があること、承知しました。\n"
                "これから原因を調べ、{due}までに、分かったことと今後の見通しをご連絡します。\n\n"
                "お手数ですが、戻ってきたメールを1通、このメールへの返信で転送していただけますか。"
                "原因を早く特定できます。",
            ),
            customer(-69.4, "転送しました。よろしくお願いします。"),
            note(
                -69.1,
                "sato",
                "送信ログ確認。soumu03 のパスワードが漏洩し、昨夜 2時〜5時に約 8,000 通のスパム送信。"
                "アカウント停止済み。送信サーバーの IP がブロックリスト 2 件に掲載。代替リレー relay2 に一時切替予定。",
            ),
            status(
                -69.0,
                "sato",
                "investigating",
                -67.5,
                "鈴木様\n\n転送ありがとうございました。原因が分かりました。\n\n"
                "当社のメール送信用サーバーが、迷惑メールの送信元の一覧に登録されていました。"
                "この一覧は各社が迷惑メール対策に使っているもので、そのため一部の取引先がメールの受け取りを拒否していました。\n\n"
                "登録の解除を申請します。解除には通常半日から1日かかるため、その間は見積書を送れるよう、"
                "別の送信経路に今から切り替えます。切り替えが終わり次第、遅くとも{due}までにご連絡します。",
            ),
            status(
                -67.6,
                "sato",
                "waiting_customer",
                -43,
                "鈴木様\n\n送信経路の切り替えが終わり、取引先を含めてメールを送れる状態に戻りました。"
                "見積書の送信をお試しください。\n\n"
                "あわせて、大切なお知らせがあります。調査の結果、総務部の「soumu03」というアカウントの"
                "パスワードが外部に知られ、昨夜そのアカウントから大量の迷惑メールが送られていたことが分かりました。"
                "これが一覧に登録されたきっかけです。\n"
                "このアカウントは安全のため一時的に止めています。新しいパスワードを発行しますので、"
                "このアカウントをお使いの方のお名前を教えていただけますか。\n\n"
                "一覧からの登録解除の申請は提出済みです。結果は{due}までにお知らせします。",
            ),
            customer(
                -67.0,
                "ありがとうございます。見積書、無事に送れました。soumu03 は派遣の山口さんが使っています。",
            ),
            note(
                -66.8,
                "sato",
                "山口様の初期パスワードを発行し、鈴木課長にお電話で伝達（メールには書かない）。",
            ),
            status(
                -50,
                "sato",
                "resolved",
                -26.5,
                "鈴木様\n\n迷惑メールの送信元の一覧から外れたことを確認しましたので、この件のご報告をいたします。\n\n"
                "■原因\n総務部「soumu03」アカウントのパスワードが外部に知られ、そのアカウントから大量の迷惑メールが"
                "送られました。そのため、当社のメール送信サーバーが迷惑メールの送信元として登録され、"
                "一部の取引先がメールの受け取りを拒否していました。\n\n"
                "■対応したこと\n・該当アカウントを止め、新しいパスワードを発行しました（山口様には鈴木様からお伝えいただきました）。\n"
                "・一時的に別の送信経路に切り替え、当日中にメールを送れる状態に戻しました。\n"
                "・登録の解除を申請し、本日すべての一覧から外れたことを確認しました。送信経路も元に戻しています。\n\n"
                "■完全に解決したか\nはい。現在はすべての宛先にメールを送れます。残っている作業はありません。\n\n"
                "■再発の可能性と防止策\nパスワードが再び外部に知られれば、同じことが起こり得ます。防ぐために次の2点をおすすめします。\n"
                "1. 他のサービスと同じパスワードを使わないこと\n"
                "2. 「二段階認証」（パスワードに加えて、スマートフォンに届く確認コードでもご本人を確かめる仕組み）の利用\n"
                "ご希望があれば、設定の手順書をお送りします。\n\n"
                "この件はこれで終了としてよろしいでしょうか。{due}までにご連絡がなければ、完了とさせていただきます。",
                report=(
                    "「soumu03」アカウントのパスワードが外部に知られ、迷惑メールが送られたため、送信サーバーが迷惑メールの送信元として登録されました。",
                    "アカウントを止めて新しいパスワードを発行し、登録の解除を確認しました。送信経路も元に戻し、残っている作業はありません。",
                    "yes",
                    "パスワードが再び知られれば起こり得ます。使い回しをやめ、二段階認証をお使いいただくことで防げます。",
                ),
            ),
            close(-26, "sato"),
        ],
    ),
    Script(
        TAKAHASHI,
        "DNSレコード変更のお願い（www を新サーバーへ）",
        "お世話になっております。丸高精工の高橋です。\n"
        "コーポレートサイトを新サーバー（203.0.113.45）へ移設するため、www.marutaka-seiko.example.jp の"
        "A レコードの変更をお願いします。切り替えは今週金曜 18:00 を希望します。現在の TTL も教えてください。",
        at=-30,
        steps=[
            assign(-29.5, "sato", "Hosting"),
            status(
                -29.4,
                "sato",
                "acknowledged",
                -26,
                "高橋様\n\n佐藤です。ご依頼を承りました。現在の設定を確認し、切り替え手順の案を{due}までにお送りします。",
            ),
            status(
                -26.5,
                "sato",
                "waiting_customer",
                20,
                "高橋様\n\n現在の設定を確認しました。\n・www の A レコード: 198.51.100.20、TTL 86400（24時間）\n\n"
                "TTL が 24 時間のままだと、金曜 18:00 に切り替えても、旧サーバーを参照する利用者が最大で土曜 18:00 頃まで残ります。"
                "そこで、次の手順をご提案します。\n"
                "1. 木曜 12:00 までに TTL を 300（5分）に下げる（当社で実施）\n"
                "2. 金曜 18:00 に A レコードを 203.0.113.45 に変更\n"
                "3. 切り替えの 1 週間後に TTL を 3600 に戻す\n\n"
                "1 の実施可否と、新サーバー側で www 用の証明書と仮想ホストの準備が済んでいるかをご確認いただけますか。"
                "ご返信がない場合も、{due}にこちらから改めてご連絡します。",
            ),
        ],
    ),
    Script(
        TAKAHASHI,
        "SSL証明書の更新（www、有効期限まで残り14日）",
        "www.marutaka-seiko.example.jp の SSL 証明書の期限が再来週に切れると、監視から通知が来ました。"
        "例年どおり更新をお願いできますか。",
        at=-50,
        steps=[
            assign(-49, "sato", "Hosting"),
            status(
                -48.8,
                "sato",
                "investigating",
                -30,
                "高橋様\n\n佐藤です。更新作業を開始します。CSR を作成して認証局へ申請し、{due}までに申請状況をご報告します。",
            ),
            note(
                -48,
                "sato",
                "今年から認証局のドメイン認証がメール認証から DNS 認証（TXT レコード）に変わった。_dnsauth の TXT は当社で追加できる。",
            ),
            status(
                -31,
                "sato",
                "waiting_third_party",
                30,
                "高橋様\n\n認証局への申請を済ませ、ドメイン認証用の TXT レコード（_dnsauth）も当社で追加しました。"
                "現在、認証局の確認待ちです。通常は 1 営業日以内に発行されます。\n\n"
                "現行の証明書の期限までは十分な余裕があり、サイトへの影響はありません。"
                "発行され次第、差し替え日時をご相談します。遅くとも{due}までに状況をご連絡します。",
            ),
        ],
    ),
    Script(
        SUZUKI,
        "共有フォルダの見積一覧を消してしまいました",
        "総務部の鈴木です。共有フォルダ（見積書フォルダ）の「見積一覧.xlsx」を誤って上書き保存してしまい、"
        "中身が消えてしまいました。昨日の夕方までの内容に戻すことはできますか。"
        "明日の会議で使うので、とても困っています。",
        at=-28,
        priority="high",
        steps=[
            assign(-27.8, "sato", "Hosting"),
            status(
                -27.6,
                "sato",
                "investigating",
                -25,
                "鈴木様\n\n佐藤です。ご連絡ありがとうございます。明日の会議でお使いになること、承知しました。\n"
                "まず、どの時点のファイルが残っているかを確認し、{due}までに、戻せる内容をご連絡します。\n\n"
                "それまでの間、これ以上上書きが重ならないよう、そのファイルは開かずにそのままにしておいてください。",
            ),
            note(
                -26.5,
                "sato",
                "NAS のスナップショットは毎日 2:00 取得。昨日 2:00 の版はあるが、昨日日中（9〜17時）の変更は無い。"
                "ごみ箱・以前のバージョンにも無し。",
            ),
            status(
                -25.2,
                "sato",
                "waiting_customer",
                -20,
                "鈴木様\n\n残念なお知らせです。ご希望の「昨日の夕方の時点」の内容には戻せません。申し訳ございません。\n\n"
                "戻せるのは「昨日の午前 2 時の時点」の内容です。このフォルダの予備の写し（バックアップ）は毎日午前 2 時に"
                "自動で取っているため、昨日の日中に加えた変更は、どこにも残っていませんでした。\n\n"
                "明日の会議に間に合わせるために、次のように進めることをご提案します。\n"
                "1. 昨日午前 2 時の時点のファイルを、「見積一覧_復元.xlsx」という別の名前で同じフォルダにすぐお戻しします。\n"
                "2. 昨日の日中に変更した箇所は、入力し直していただく必要があります。昨日送られた見積書の一覧を、"
                "当社でメールの送信記録から作成してお渡しします。入力し直す際の手がかりにお使いください。\n\n"
                "1 と 2 を進めてよろしいでしょうか。お返事をいただき次第すぐに作業します。"
                "{due}までにお返事がない場合は、こちらからお電話で確認いたします。",
            ),
            customer(
                -24.9,
                "ご説明ありがとうございます。残念ですが、仕方ないですね。1 と 2、両方お願いします。",
            ),
            status(
                -23.5,
                "sato",
                "resolved",
                46,
                "鈴木様\n\n作業が終わりましたので、ご報告します。\n\n"
                "■原因\nファイルが上書き保存されたことで、以前の内容が消えました。予備の写しは毎日午前 2 時に取っているため、"
                "それより後の変更は残っていませんでした。\n\n"
                "■対応したこと\n・昨日午前 2 時の時点の内容を「見積一覧_復元.xlsx」として見積書フォルダに戻しました。\n"
                "・昨日送信された見積書 4 件の一覧を、このメールの最後に記載しました。\n\n"
                "■完全に解決したか\nファイルは開ける状態に戻りました。ただし、昨日の日中の変更（見積書 4 件分）は、"
                "お手数ですが入力し直しが必要です。\n\n"
                "■再発の可能性と防止策\n上書きによる消失は、今の設定のままでは再び起こり得ます。"
                "防ぐ方法として、予備の写しを「1日1回」から「業務時間中は2時間おき」に増やすことができます。"
                "保存に使う容量が増えるため月額の費用が変わりますので、ご希望でしたらお見積もりをお送りします。\n\n"
                "——\n昨日送信された見積書\n1. 株式会社東和機工様 ステンレスシャフト加工\n2. 山本製作所様 治具製作\n"
                "3. 協和電装様 精密部品 追加ロット\n4. 大川工業様 試作品\n\n"
                "ほかにお困りのことがなければ、{due}にこの件を完了とさせていただきます。",
                report=(
                    "ファイルが上書き保存され、以前の内容が消えました。予備の写しは毎日午前2時のため、それ以降の変更は残っていませんでした。",
                    "昨日午前2時の内容を「見積一覧_復元.xlsx」として戻しました。昨日の日中の変更（見積書4件分）は入力し直しが必要です。",
                    "partly",
                    "今の設定では再び起こり得ます。予備の写しを業務時間中2時間おきに増やすことで防げます。",
                ),
            ),
        ],
    ),
    Script(
        TAKAHASHI,
        "本社－第二工場間の VPN が頻繁に切断される",
        "本社と第二工場の間の VPN が、ここ 3 日ほど 1 日に数回切れます。切れると工場の生産管理システムが本社の"
        "サーバーに接続できず、数分間作業が止まります。ルーターのログで見た切断時刻は、昨日が 10:12、13:47、16:05 です。",
        at=-26,
        priority="high",
        steps=[
            assign(-25.5, "tanaka", "Network"),
            status(
                -25.3,
                "tanaka",
                "investigating",
                -20,
                "高橋様\n\n田中です。切断時刻をありがとうございます。工場の作業が止まるという影響の大きさ、承知しました。\n\n"
                "本社側・工場側双方のルーターのログと、回線の品質（パケットロス、遅延）を突き合わせて確認します。"
                "{due}までに途中経過をご報告します。",
            ),
            note(
                -22,
                "tanaka",
                "工場側ルーターで切断時刻に IKE SA の再ネゴ失敗（DPD timeout）。同時刻に回線のパケットロス最大 18%。"
                "ISP の障害情報は無し。ONU の再起動履歴なし。",
            ),
            status(
                -20.5,
                "tanaka",
                "waiting_third_party",
                -8,
                "高橋様\n\n途中経過です。切断の時刻に、工場側の回線でパケットロスが最大 18% 出ていることを確認しました。"
                "ルーターの設定ではなく回線側の問題である可能性が高いと見ています（現時点での推測で、まだ確定ではありません）。\n\n"
                "回線事業者に品質調査を依頼しました。回答を待つ間の対策として、今夜 22:00 に工場側ルーターの "
                "DPD の間隔を 10 秒から 30 秒に延ばしてもよろしいでしょうか。短い回線の揺れでは切れにくくなります。"
                "作業中、約 1 分 VPN が切れます。\n\n回線事業者の回答は、{due}までにお知らせします。",
            ),
            customer(-20, "22:00 の作業、問題ありません。お願いします。"),
            note(
                -9.5,
                "tanaka",
                "DPD 変更実施済み（22:03）。以降の切断は 1 回（07:40）。ISP は未回答（NW-58812）、催促済み。",
            ),
            status(
                -8.3,
                "tanaka",
                "investigating",
                -2,
                "高橋様\n\n昨夜 22:03 に設定変更を行いました。その後の切断は今朝 7:40 の 1 回です（変更前は 1 日 3〜4 回）。\n"
                "回線事業者からはまだ回答がなく、先ほど催促しました。回答を待つ間も、当社で回線の測定を続けています。"
                "{due}までに次のご報告をします。",
            ),
        ],
    ),
    Script(
        SUZUKI,
        "ホームページの表示が遅い",
        "取引先から「御社のホームページが開くのに時間がかかる」と言われました。私が開いても、"
        "トップページが出るまで 10 秒くらいかかります。先週までは普通でした。",
        at=-5,
        steps=[
            assign(-4.5, "sato", "Hosting"),
            status(
                -4.3,
                "sato",
                "acknowledged",
                3,
                "鈴木様\n\n佐藤です。ご連絡ありがとうございます。お取引先からもご指摘があったとのこと、ご心配をおかけしております。\n\n"
                "これから原因の調査を始め、{due}までに、分かったことと今後の見通しをご連絡します。\n\n"
                "調査のため、分かる範囲で 2 点教えてください。\n"
                "・遅いのはトップページだけでしょうか、それとも他のページもでしょうか。\n"
                "・会社のパソコンだけでなく、スマートフォン（会社の外の回線）から開いても遅いでしょうか。",
            ),
        ],
    ),
    Script(
        SUZUKI,
        "新入社員 3 名のメールアドレス作成のお願い",
        "来月 1 日入社の 3 名分のメールアドレスを作成してください。\n・森 陽菜\n・石井 大翔\n・岡田 結衣\n"
        "アドレスは今までどおり「名字@」でお願いします。",
        at=-2,
        priority="low",
        channel="portal",
    ),
    Script(
        TAKAHASHI,
        "ファイルサーバーのディスク使用率が 95%",
        "監視メールで、ファイルサーバー（fs01）のデータ領域の使用率が 95% になったと通知がありました。"
        "このままだと週明けには満杯になりそうです。対応をご相談させてください。",
        at=-22,
        priority="high",
        steps=[
            assign(-21.8, "sato", "Hosting"),
            status(
                -21.5,
                "sato",
                "investigating",
                -17,
                "高橋様\n\n佐藤です。承知しました。容量を使っているディレクトリを調べ、対応案を{due}までにお送りします。",
            ),
            note(
                -19,
                "sato",
                "du: /data/cad_archive 1.6TB（2019年以前の図面、最終アクセス 3 年以上前）、/data/scan 420GB、"
                "/data/share 1.1TB。増加ペース約 15GB/日、残り約 140GB で約 9 日。",
            ),
            status(
                -17.5,
                "sato",
                "waiting_customer",
                4,
                "高橋様\n\n調査結果と対応案です。\n\n"
                "■現状\n・空きは約 140GB、最近の増加ペース（1 日約 15GB）では約 9 日で満杯になる見込みです。\n"
                "・最も大きいのは /data/cad_archive（1.6TB、2019 年以前の図面。最終アクセスは 3 年以上前）です。\n\n"
                "■対応案\nA. ディスクを 2TB 増設する\n　長所: 今の運用を変えずに済みます。\n"
                "　短所: 機器費用と作業費がかかり、作業日に約 1 時間の停止が必要です。\n"
                "B. cad_archive を当社のアーカイブ保管サービスへ移す\n　長所: すぐに約 1.6TB 空き、費用は A より安くなります。\n"
                "　短所: 古い図面を開くときは、ご依頼から取り出しまで半日ほどかかります。\n"
                "C. 当面の対処として /data/scan の古いスキャンデータを整理していただく\n　長所: 費用はかかりません。\n"
                "　短所: 空くのは最大 400GB ほどで、2〜3 週間の延命にとどまります。\n\n"
                "古い図面の利用頻度が低いため、当社としては B をおすすめします。ご判断をいただき次第、作業日程を調整します。"
                "{due}に改めてご連絡します。",
            ),
        ],
    ),
    Script(
        TAKAHASHI,
        "メール送信ログの提供依頼（内部監査対応）",
        "内部監査のため、先月分のメール送信ログ（送信日時・送信者・宛先）を CSV でいただけますか。締め切りは来週水曜です。",
        at=-20,
        priority="low",
        steps=[
            assign(-19, "sato", "Hosting"),
            status(
                -18,
                "sato",
                "investigating",
                28,
                "高橋様\n\n佐藤です。承知しました。先月分の送信ログから CSV（送信日時・送信者・宛先）を作成します。"
                "件名は個人情報を含むことがあるため除いていますが、必要でしたらお知らせください。\n\n"
                "{due}までにダウンロード用のリンクをお送りします。来週水曜の締め切りには十分間に合う見込みです。",
            ),
        ],
    ),
    Script(
        TAKAHASHI,
        "NAS のバックアップジョブ失敗（ディスク 3 の S.M.A.R.T. 警告）",
        "NAS（nas01）から「ディスク 3 S.M.A.R.T. 警告」とバックアップジョブ失敗の通知が来ました。RAID は Degraded にはなっていません。",
        at=-36,
        priority="high",
        steps=[
            assign(-35.5, "sato", "Hosting"),
            status(
                -35.3,
                "sato",
                "investigating",
                -33,
                "高橋様\n\n佐藤です。ディスク 3 の S.M.A.R.T. 値、RAID の状態、ジョブ失敗の原因を確認し、{due}までにご報告します。",
            ),
            note(
                -34,
                "sato",
                "Disk3: Reallocated_Sector_Ct 812 に急増、Current_Pending 24。ジョブ失敗は読み出しエラー。"
                "RAID6 のため冗長性は残る。保守契約あり、代理店へ交換ディスク手配。",
            ),
            status(
                -33.2,
                "sato",
                "waiting_third_party",
                14,
                "高橋様\n\n確認結果です。\n・ディスク 3 で不良セクタが急増しており（Reallocated 812、Pending 24）、故障の前兆と判断しました。\n"
                "・バックアップジョブの失敗は、このディスクからの読み出しエラーが原因です。\n"
                "・RAID6 のため現時点で冗長性は保たれており、データが失われる状況ではありません。\n\n"
                "保守契約に基づき、メーカーに交換用ディスクを手配しました。到着後、当社でディスクを交換し、"
                "再構築（数時間、業務への影響なし）を行います。昨夜失敗したバックアップは再実行し、正常に完了したことを確認済みです。\n\n"
                "ディスクの到着予定と交換日時を、{due}までにご連絡します。",
            ),
        ],
    ),
    Script(
        SUZUKI,
        "パスワードを忘れてしまいました",
        "経理システムのパスワードを忘れてしまいました。再発行をお願いできますか。",
        at=-48,
        channel="phone",
        steps=[
            customer(
                -47.5,
                "すみません、手帳にメモしてあったのが見つかりました。この件は取り消してください。",
            ),
            close(
                -47,
                "sato",
                "withdrawn",
                "鈴木様\n\nご連絡ありがとうございます。見つかってよかったです。この件は取り消しとして閉じさせていただきます。\n\n"
                "パスワードを安全に記録しておくためのソフト（パスワード管理ソフト）のご案内もできますので、"
                "ご興味があればいつでもお知らせください。",
            ),
        ],
    ),
    # --- 医療法人 みなと台クリニック -------------------------------------------------------------
    Script(
        NAKAMURA,
        "受付のパソコンにログインできません",
        "受付のパソコンで、パスワードを入れても「アカウントがロックされています」と出て使えません。"
        "午後の診療が 14 時から始まるので、それまでに使えるようにしたいです。",
        at=-75,
        priority="urgent",
        channel="phone",
        steps=[
            assign(-74.9, "sato", "Hosting"),
            status(
                -74.8,
                "sato",
                "investigating",
                -74,
                "中村様\n\n佐藤です。午後の診療開始に間に合わせることを最優先に対応します。\n\n"
                "「ロック」は、パスワードを何度か続けて間違えると、安全のために自動でかかる仕組みです。"
                "当社で解除できますので、これから作業します。{due}までに、使えるようになったかどうかをご連絡します。",
            ),
            note(
                -74.6,
                "sato",
                "uketsuke01: 5 回失敗でロック。失敗元は受付 PC のみ。パスワード期限切れで旧パスワードを入力した模様。解除し、次回ログイン時に変更必須に設定。",
            ),
            status(
                -74.4,
                "sato",
                "resolved",
                -50,
                "中村様\n\n受付のパソコンが使えるようになりましたので、ご報告します。\n\n"
                "■原因\n受付用アカウントのパスワードの有効期限が切れていたため、以前のパスワードで何度かログインを試す形になり、"
                "安全のための自動ロックがかかりました。外部からの不正な操作の跡はありません。\n\n"
                "■対応したこと\nロックを解除しました。次にログインするとき、新しいパスワードを決める画面が出ますので、"
                "新しいパスワードを入力してください。当社側で残っている作業はありません。\n\n"
                "■完全に解決したか\nはい。新しいパスワードを設定していただければ、これまでどおりお使いいただけます。\n\n"
                "■再発の可能性と防止策\nパスワードの期限は 90 日ごとに来ます。期限の 14 日前から画面の右下にお知らせが出ますので、"
                "その時点で変更していただくとロックを防げます。ご希望があれば、期限の 1 週間前に当社から中村様へ"
                "メールでお知らせする設定もできます。\n\n問題がなければ、{due}にこの件を完了とさせていただきます。",
                report=(
                    "パスワードの有効期限が切れ、以前のパスワードで何度か試したため、安全のための自動ロックがかかりました。",
                    "ロックを解除しました。次のログインで新しいパスワードを決めていただければ完了です。当社側の作業は残っていません。",
                    "yes",
                    "期限は90日ごとに来ます。期限の14日前から出るお知らせの時点で変更すれば防げます。",
                ),
            ),
            customer(
                -73,
                "無事にログインできました。ありがとうございます。期限のお知らせメール、ぜひお願いします。",
            ),
            status(
                -72.5,
                "sato",
                "resolved",
                -50,
                "中村様\n\nご返信ありがとうございます。期限の 1 週間前に、中村様へお知らせメールが届くよう設定しました。"
                "次回は約 80 日後に届く予定です。\n\n改めてまとめますと、\n・原因: パスワードの有効期限切れにより、安全のための自動ロックがかかったことでした。\n・対応: ロックを解除し、期限のお知らせメールを設定しました。残っている作業はありません。\n・完全に解決したか: はい。\n・再発の防止: 期限の 1 週間前に届くお知らせメールで、ロックを防げます。\n\nほかにお困りのことがなければ、{due}にこの件を完了とさせていただきます。",
                report=(
                    "パスワードの有効期限切れにより、安全のための自動ロックがかかりました。",
                    "ロックを解除し、期限の1週間前に届くお知らせメールを設定しました。残っている作業はありません。",
                    "yes",
                    "期限の1週間前に届くお知らせメールで、ロックを防げます。",
                ),
            ),
            close(-49.5, "sato"),
        ],
    ),
    Script(
        NAKAMURA,
        "予約サイトが開きません！",
        "至急お願いします！！クリニックの Web 予約のページが開きません。患者さんから電話が何件もかかってきていて、"
        "受付が対応しきれません。どうしたらいいですか？",
        at=-1.2,
        priority="urgent",
        channel="portal",
        steps=[
            assign(-1.15, "sato", "Hosting"),
            status(
                -1.1,
                "sato",
                "investigating",
                0.5,
                "中村様\n\n佐藤です。ご連絡ありがとうございます。すでに調査を始めています。\n\n"
                "分かっていること: 予約ページを載せているサーバーが、1 時間ほど前から応答していません。原因はまだ確認中です。"
                "現時点での推測ですが、サーバーの作業用の記憶領域（メモリ）が足りなくなって止まった可能性があります。"
                "確認でき次第、事実としてお伝えします。\n\n"
                "受付のご負担を減らすため、予約ページを開いた方に「ただいま Web 予約に不具合が出ています。"
                "お電話で承ります」というお知らせを表示することができます。よろしければ、この返信に"
                "「お知らせ表示OK」とだけお返事ください。\n\n次のご連絡は{due}までに差し上げます。",
            ),
            customer(-1.0, "お知らせ表示OKです。よろしくお願いします。"),
            note(
                -0.8,
                "sato",
                "web02 で OOM killer により php-fpm 停止。メモリ増設は再起動が必要。先にメンテナンス表示を出した。",
            ),
            reply(
                -0.7,
                "sato",
                "中村様\n\nお知らせの表示を始めました。予約ページを開くと、お電話での受付をご案内する画面が出ます。\n"
                "引き続き、予約ページの復旧作業を進めています。次のご連絡は、お伝えしたとおり{due}までに差し上げます。",
            ),
        ],
    ),
    Script(
        ITO,
        "Windows Update 後、電子カルテ端末から処方箋が印刷できない",
        "昨日の Windows Update（累積更新）適用後、診察室 2・3 の電子カルテ端末から処方箋プリンター"
        "（共有プリンター）へ印刷するとスプーラーでエラーになります。診察室 1 は未適用で正常です。"
        "回避策として、当面は診察室 1 で印刷しています。",
        at=-40,
        priority="high",
        steps=[
            assign(-39.8, "sato", "Hosting"),
            status(
                -39.5,
                "sato",
                "investigating",
                -36,
                "伊藤様\n\n佐藤です。詳しい状況をありがとうございます。診察室 1 で回避できていることも承知しました。\n\n"
                "更新プログラムとプリンタードライバーの組み合わせを確認し、{due}までにご報告します。",
            ),
            note(
                -37,
                "sato",
                "更新後 Type 3 ドライバーの Point and Print がブロックされる既知事象の可能性。メーカーサポートへ問い合わせ（受付番号 R-240917）。",
            ),
            status(
                -36.5,
                "sato",
                "waiting_third_party",
                -1,
                "伊藤様\n\n途中経過です。今回の更新で共有プリンターのドライバー配布（Point and Print）に制限が加わったことが"
                "原因と見ています。ただし、これは現時点での推測で、メーカーの確認はまだです。\n\n"
                "メーカーのサポートに、この更新に対応したドライバーの有無を問い合わせています。回答までの回避策は 2 つです。\n"
                "A. 診察室 2・3 の更新を一時的にアンインストールする。すぐに印刷できますが、セキュリティ修正も外れます。\n"
                "B. 診察室 1 での印刷を続ける。安全ですが、移動の手間が続きます。\n"
                "更新の取り消しは最後の手段と考え、当社としては B をおすすめします。\n\n"
                "メーカーの回答は{due}までにお知らせします。",
            ),
            customer(-30, "B で続けます。回答をお待ちしています。"),
            note(
                -2,
                "sato",
                "メーカー未回答。本日午前に電話で催促、担当者不在で折り返し待ち。期限に間に合わない見込み → 伊藤様へ途中報告が必要。",
            ),
        ],
    ),
    Script(
        NAKAMURA,
        "請求書の金額について（今月分）",
        "今月の請求書が、いつもより 3 万円ほど高くなっています。何の費用でしょうか。院長に説明しなければならないので、"
        "内訳を教えてください。",
        at=-45,
        steps=[
            assign(-44, "kimura", "Hosting"),
            status(
                -43.8,
                "kimura",
                "acknowledged",
                -40,
                "中村様\n\nサービス責任者の木村です。お問い合わせありがとうございます。院長先生へのご説明に使えるよう、"
                "内訳を確認して{due}までにお送りします。",
            ),
            note(
                -42,
                "kimura",
                "差額 33,000 円 = 先月の時間外作業 2 時間（予約サイト復旧、月額契約外）。事前に費用をお伝えしていなかった。"
                "今後は作業前に契約外である旨と概算を伝えること（チームに周知済み）。",
            ),
            status(
                -40.5,
                "kimura",
                "resolved",
                30,
                "中村様\n\n内訳をご説明します。\n\n■原因\n"
                "今月のご請求が 33,000 円（税込）高くなっているのは、先月の夜間に行った予約サイトの復旧作業"
                "（2 時間、時間外）の費用です。月額のご契約には平日日中の作業が含まれていますが、夜間・休日の作業は別料金となっております。\n\n"
                "この作業の際、別料金になることと金額を事前にお伝えしていませんでした。これは当社の不手際です。申し訳ございません。"
                "今後、ご契約の範囲外になる作業は、作業の前に金額をお伝えし、ご了承をいただいてから行います。\n\n"
                "■対応したこと、残っていること\n以上のとおりご説明しました。当社側で残っている作業はありません。院長先生へのご説明用に、作業日時・内容・金額を 1 枚にまとめた明細をお送りすることもできます。"
                "必要でしたらお知らせください。\n\n"
                "■完全に解決したか、再発の可能性\n今回のご請求についてはこれで完了です。同じことが起こらないよう、範囲外の作業は必ず事前に金額をお伝えします。\n\nほかにご不明な点がなければ、{due}にこのお問い合わせを完了とさせていただきます。",
                report=(
                    "今月のご請求の増額は、先月夜間に行った予約サイトの復旧作業（時間外）の費用です。事前に金額をお伝えしなかったのは当社の不手際です。",
                    "内訳をご説明しました。当社側で残っている作業はありません。ご希望があれば明細をお送りします。",
                    "yes",
                    "範囲外の作業は、今後必ず事前に金額をお伝えし、ご了承をいただいてから行います。",
                ),
            ),
        ],
    ),
    Script(
        NAKAMURA,
        "待合室の Wi-Fi がつながりにくい",
        "待合室の患者さん用 Wi-Fi が、午後になるとつながりにくいと患者さんから言われます。スタッフ用の Wi-Fi は問題ないようです。",
        at=-6,
        channel="portal",
        steps=[
            assign(-5.5, "tanaka", "Network"),
            status(
                -5.2,
                "tanaka",
                "acknowledged",
                20,
                "中村様\n\n田中です。ご連絡ありがとうございます。患者さんにご不便をおかけしており、申し訳ありません。\n\n"
                "混み合う時間帯の電波の状態を、当社から遠隔で確認します。{due}までに、確認の結果と対策をご連絡します。\n\n"
                "差し支えなければ、つながりにくいと言われるのが何時ごろか、おおよそで教えてください。",
            ),
        ],
    ),
    Script(
        ITO,
        "バックアップ完了通知メールが届かない",
        "NAS のバックアップ完了通知が 3 日前から届いていません。バックアップ自体が動いているかどうかも分からないので、"
        "確認をお願いします。",
        at=-5,
        priority="high",
    ),
    Script(
        NAKAMURA,
        "迷惑メールが急に増えました",
        "ここ数日、英語の迷惑メールが 1 日に何十通も届きます。何か設定で減らせますか。",
        at=-120,
        priority="low",
        steps=[
            assign(-118, "sato", "Hosting"),
            status(
                -117,
                "sato",
                "investigating",
                -96,
                "中村様\n\n佐藤です。ご不便をおかけしています。迷惑メールを自動で振り分ける機能（迷惑メールフィルター）の"
                "設定を確認し、{due}までにご報告します。\n\n"
                "それまでの間、心当たりのないメールの添付ファイルやリンクは開かないようお願いします。",
            ),
            status(
                -98,
                "sato",
                "resolved",
                -48,
                "中村様\n\n対応が終わりましたので、ご報告します。\n\n"
                "■原因\n迷惑メールを見分ける仕組みの判定基準が、最初のゆるい設定のままでした。"
                "最近、英語の迷惑メールが世界的に増えており、その多くがすり抜けていました。\n\n"
                "■対応したこと\n判定基準を一段厳しくし、迷惑メールと判定されたものは受信トレイではなく"
                "「迷惑メール」フォルダに入るようにしました。この 1 日で約 60 通がそちらに振り分けられています。残っている作業はありません。\n\n"
                "■完全に解決したか\n大部分は防げていますが、すべてを防ぐことはできません。今後も数通は受信トレイに届くことがあります。\n\n"
                "■再発の可能性と防止策\n逆に、必要なメールが「迷惑メール」フォルダに入ってしまう可能性があります。"
                "週に一度フォルダをご確認いただくと安心です。取引先などからのメールが入っていたらお知らせください。"
                "今後振り分けられないように登録します。\n\n"
                "ほかにご希望がなければ、{due}にこの件を完了とさせていただきます。",
                report=(
                    "迷惑メールの判定基準が最初のゆるい設定のままで、最近増えた英語の迷惑メールがすり抜けていました。",
                    "判定基準を一段厳しくし、迷惑メールは「迷惑メール」フォルダに入るようにしました。残っている作業はありません。",
                    "partly",
                    "すべては防げず、数通は届くことがあります。必要なメールが振り分けられることもあるため、週に一度フォルダをご確認ください。",
                ),
            ),
            close(-47, "sato"),
        ],
    ),
    Script(
        NAKAMURA,
        "ホームページの診療時間を変更してほしい",
        "来月から木曜日の午後を休診にします。ホームページの診療時間の表を直していただけますか。",
        at=-16,
        channel="portal",
        steps=[
            assign(-15.5, "sato", "Hosting"),
            note(
                -15.2,
                "sato",
                "HP の文言修正は保守契約（サーバー運用のみ）の範囲外。制作会社は昨年契約終了とのこと。"
                "当社で対応する場合は作業 30 分、5,500 円。先に範囲外であることと費用を伝える（P14）。",
            ),
            status(
                -15,
                "sato",
                "waiting_customer",
                30,
                "中村様\n\n佐藤です。ご依頼ありがとうございます。\n\n"
                "最初にお伝えしなければならないことがあります。ホームページの文章や表の修正は、現在のご契約"
                "（サーバーの運用・保守）の範囲外の作業です。そのため、当社で行う場合は別途 5,500 円"
                "（税込、作業 30 分程度）の費用がかかります。\n\n進め方は次のどちらかになります。\n"
                "A. 当社で修正する: ご了承のお返事をいただければ、翌営業日中に修正します。\n"
                "B. ホームページを作った制作会社に依頼する: 費用は制作会社との取り決めによります。\n\n"
                "また、こうした更新が年に何度かあるようでしたら、ホームページの更新を含むご契約プランもご案内できます。\n\n"
                "どちらにされるか、お知らせいただけますか。{due}に改めてご連絡します。",
            ),
        ],
    ),
    # --- Harbourline Trading Ltd ---------------------------------------------------------------
    Script(
        RAJ,
        "Outbound mail bouncing: 550 5.7.26 (DMARC)",
        'Since this morning some of our outbound mail bounces with "550 5.7.26 Unauthenticated email from '
        "harbourline.example.com is not accepted due to domain's DMARC policy\". Mostly Gmail and Outlook.com "
        "recipients. Internal mail is fine. Can you check our SPF/DKIM setup?",
        at=-100,
        priority="high",
        steps=[
            assign(-99.8, "alice", "Hosting"),
            status(
                -99.6,
                "alice",
                "investigating",
                -97,
                "Hi Raj,\n\nAlice here, I've picked this up. I'm checking the SPF, DKIM and DMARC records for "
                "harbourline.example.com against the headers of the bounces, and will update you by {due}.\n\n"
                "If you can forward one complete bounce with the original headers, that will speed things up.",
            ),
            customer(-99.2, "Forwarded one to you just now."),
            note(
                -98.5,
                "alice",
                "DKIM selector s2 was rotated on our relays on Tuesday (planned) but the new public key was never "
                "published in DNS: the change missed its DNS step. DKIM fails, DMARC p=reject. Our mistake.",
            ),
            status(
                -98,
                "alice",
                "resolved",
                -74,
                "Hi Raj,\n\nThe bounces have stopped. Here is the full picture.\n\n"
                "Cause: on Tuesday we rotated the DKIM key for selector s2 on our outbound relays as planned, but we "
                "did not publish the new public key in DNS. From then on DKIM verification failed, and because your "
                "DMARC policy is p=reject, Gmail and Outlook.com rejected the messages. This was our mistake, not "
                "anything on your side, and I'm sorry for the disruption.\n\n"
                "What we did: published the new s2 public key (s2._domainkey.harbourline.example.com) and verified "
                "DKIM=pass and DMARC=pass with test messages to Gmail, Outlook.com and Yahoo.\n"
                "What remains: messages rejected since Tuesday afternoon were not delivered and need resending. "
                "The relay logs show 37 of them; I can send you the list by sender and recipient, if that helps.\n\n"
                "Fully resolved: yes, for all new mail.\n\n"
                "Can it recur: only if a key rotation skipped the DNS step again. Our rotation procedure now refuses "
                "to switch the relays to a new key until its public key resolves in DNS.\n\n"
                "If nothing else comes up, I'll close this on {due}.",
                report=(
                    "We rotated the DKIM key for selector s2 on our relays but did not publish the new public key in DNS, so DKIM failed and DMARC p=reject made receivers refuse the mail.",
                    "We published the new public key and verified DKIM and DMARC pass. The 37 messages rejected since Tuesday still need resending.",
                    "yes",
                    "Only if a rotation skipped the DNS step again; our procedure now refuses to switch keys until the public key resolves.",
                ),
            ),
            close(-73, "alice"),
        ],
    ),
    Script(
        RAJ,
        "Please add TXT record for Microsoft 365 domain verification",
        "Please add this TXT record to harbourline.example.com: MS=ms48291734. TTL 3600 is fine.",
        at=-150,
        priority="low",
        steps=[
            assign(-149, "alice", "Hosting"),
            status(
                -148,
                "alice",
                "resolved",
                -100,
                "Hi Raj,\n\nDone: TXT MS=ms48291734 is live on harbourline.example.com (TTL 3600), and I've confirmed "
                "it resolves from outside our network. Nothing else in the zone changed.\n\n"
                "You can run the verification in the Microsoft 365 admin centre now. Afterwards the record can be "
                "removed or left in place; it does no harm. I'll close this on {due} unless you need anything else.",
                report=(
                    "Microsoft 365 needs a TXT record on your domain to verify that you own it.",
                    "We published TXT MS=ms48291734 and confirmed it resolves from outside. Nothing else remains on our side.",
                    "yes",
                    "This is a one-time step; it will not come back.",
                ),
            ),
            close(-99, "alice"),
        ],
    ),
    Script(
        RAJ,
        "URGENT: certificate expired on portal.harbourline.example.com",
        "Our customer portal shows a certificate error in every browser since this morning. Customers can't log in "
        "to place orders. Please treat as urgent.",
        at=-30,
        priority="urgent",
        steps=[
            assign(-29.95, "alice", "Hosting"),
            status(
                -29.9,
                "alice",
                "investigating",
                -29.25,
                "Hi Raj,\n\nI'm on it now. The certificate for portal.harbourline.example.com expired this morning. "
                "I'm renewing it and will update you by {due} at the latest.",
            ),
            note(
                -29.7,
                "alice",
                "Automatic renewal has failed for two weeks: the HTTP-01 challenge path is blocked by the WAF rule "
                "added on the 3rd. Failure alerts went to the old ops mailbox nobody reads. Renewed via DNS-01.",
            ),
            status(
                -29.4,
                "alice",
                "resolved",
                20,
                "Hi Raj,\n\nThe portal is working again: a new certificate is installed and I've checked it in "
                "Chrome, Firefox and Safari.\n\n"
                "I'm sorry: this outage was our fault. The automatic renewal had been failing for two weeks, and "
                "its warnings went to a mailbox our team no longer monitors.\n\n"
                "Cause: a firewall rule we added on the 3rd blocked the path the certificate authority uses to "
                "check that we control the domain, so every renewal attempt since then failed.\n"
                "What we did: renewed the certificate with a DNS-based check that the firewall does not affect, and "
                "switched future renewals to that method. We also checked the five other certificates we manage "
                "for you: all now renew the same way, and none expires in the next 60 days. Nothing remains to do.\n"
                "Fully resolved: yes.\n"
                "Can it recur: renewal warnings now go to our on-call queue, and every certificate raises an alert "
                "21 days before it expires, so a failed renewal will be seen and fixed weeks ahead.\n\n"
                "If everything looks right on your side, I'll close this on {due}.",
                report=(
                    "A firewall rule we added on the 3rd blocked the certificate authority's domain check, so every renewal failed.",
                    "We renewed the certificate with a DNS-based check and moved all six certificates to it. Nothing remains to do.",
                    "yes",
                    "Renewal warnings now reach our on-call queue, and each certificate raises an alert 21 days before it expires.",
                ),
            ),
        ],
    ),
    Script(
        EMMA,
        "I can't get into my email on my phone",
        "Hi, since yesterday my phone keeps asking for my email password and says it's wrong, but I can log in "
        "fine on my laptop. I haven't changed anything. I need my email when I'm out at the suppliers tomorrow.",
        at=-10,
        channel="portal",
        steps=[
            assign(-9.8, "alice", "Hosting"),
            status(
                -9.5,
                "alice",
                "investigating",
                -7,
                "Hi Emma,\n\nAlice here. Thanks for letting us know; I understand you need this working before "
                "you're out tomorrow. I'm looking at your account now and will update you by {due}.",
            ),
            note(
                -8.8,
                "alice",
                "Sign-in log: repeated failures from iOS Mail using basic auth. Legacy auth was switched off "
                "tenant-wide on Monday (announced in the newsletter only). Account needs re-adding with modern auth.",
            ),
            status(
                -8.5,
                "alice",
                "waiting_customer",
                -3,
                "Hi Emma,\n\nI've found the cause, and nothing is wrong with your password or your account. On "
                "Monday we switched off an older way for phones to sign in to email, because it is less secure. "
                "Your phone's mail app was still using that older way, so it now refuses your password.\n\n"
                "The fix takes about five minutes: remove the email account from your phone and add it again. "
                "Your emails are kept on the server, so nothing will be lost. Here are the steps for an iPhone "
                "(if yours isn't an iPhone, tell me the model and I'll send the right steps):\n\n"
                "1. Open Settings > Mail > Accounts, tap your Harbourline account, then Delete Account.\n"
                "2. Tap Add Account > Microsoft Exchange and enter your email address.\n"
                "3. Choose Sign In, and enter your password on the page that opens.\n\n"
                "We should have told you about this change directly rather than only in the newsletter; sorry "
                "about that. Could you try it and let me know? Either way, I'll check in with you by {due}.",
            ),
            customer(-4, "That worked, thank you! All my emails are there."),
            status(
                -3.8,
                "alice",
                "resolved",
                44,
                "Hi Emma,\n\nGreat, I'm glad it's working. To sum up:\n\n"
                "- Cause: your phone was using an older sign-in method that we switched off on Monday for security.\n"
                "- What we did: you re-added the account on your phone, which now uses the newer, safer sign-in. "
                "Nothing else remains to be done.\n"
                "- Fully resolved: yes.\n"
                "- Could it happen again: not for this reason. If a colleague's phone asks for their password in "
                "the same way, the same five-minute fix applies; feel free to forward them this message.\n\n"
                "Is there anything else I can help with? If not, I'll close this request on {due}.",
                report=(
                    "Your phone used an older sign-in method that we switched off on Monday for security.",
                    "You re-added the account on your phone, which now uses the newer sign-in. Nothing else remains.",
                    "yes",
                    "Not for this reason; a colleague with the same prompt can apply the same five-minute fix.",
                ),
            ),
        ],
    ),
    Script(
        EMMA,
        "Website very slow since this morning",
        "Hi, our website (www.harbourline.example.com) has been really slow since this morning: pages take "
        "20 to 30 seconds to load, and sometimes they don't load at all. A few customers have emailed us about it.",
        at=-7,
        priority="high",
        steps=[
            assign(-6.8, "alice", "Hosting"),
            status(
                -6.5,
                "alice",
                "investigating",
                -0.5,
                "Hi Emma,\n\nAlice here. Thank you for reporting this, and I'm sorry your customers have been "
                "affected. I can see the slowness too, so there's no need to send anything more for now.\n\n"
                "What we know so far: the server that runs your website is far busier than on a normal morning. "
                "My guess, based on what we see now, is that automated programs rather than real customers are "
                "requesting pages very quickly. I'll confirm whether that's right.\n\n"
                "I'll update you by {due} with what we've found and what we'll do about it.",
            ),
            note(
                -5,
                "alice",
                "Access log: ~40 req/s from a handful of networks crawling /products?page=... with random "
                "parameters that bypass the cache. Drafting a rate-limit rule at the edge; within our managed "
                "firewall scope, no extra cost for the customer.",
            ),
            note(
                -1,
                "alice",
                "Rate-limit rule tested on staging. Deploying after lunch; Emma's update is due, write to her first.",
            ),
        ],
    ),
    Script(
        EMMA,
        'Warning email about "disk space": what does it mean?',
        'Hi, I got an automatic email this morning saying "Volume /srv/share is at 88% capacity". I\'m not sure '
        "what this means or whether I need to do anything. Is it serious?",
        at=-0.5,
        channel="portal",
    ),
    Script(
        EMMA,
        "Meeting room printer shows 'offline'",
        "The printer in the big meeting room shows as offline on everyone's laptop. It's switched on and its "
        "screen looks normal.",
        at=-140,
        priority="low",
        steps=[
            assign(-139, "alice", "Network"),
            status(
                -138.5,
                "alice",
                "investigating",
                -135,
                "Hi Emma,\n\nAlice here. Thanks for checking that it's switched on; that helps. I'm looking at it "
                "remotely now and will update you by {due}.",
            ),
            status(
                -136,
                "alice",
                "resolved",
                -112,
                "Hi Emma,\n\nThe meeting room printer is back online and a test page printed fine.\n\n"
                "- What caused it: after the power cut on Sunday, the printer was given a different network address "
                "(think of it as a new phone number), so the laptops were still calling the old one.\n"
                "- What we did: we gave the printer a fixed address that cannot change, the one the laptops already "
                "know. Nothing remains to be done, on anyone's laptop or ours.\n"
                "- Fully resolved: yes.\n"
                "- Could it happen again: not for this reason, now that its address is fixed.\n\n"
                "If everything is printing normally, I'll close this on {due}.",
                report=(
                    "After Sunday's power cut the printer received a different network address, so the laptops were calling the old one.",
                    "We gave the printer a fixed address, the one the laptops already know. Nothing remains to be done.",
                    "yes",
                    "Not for this reason, now that its address is fixed.",
                ),
            ),
            close(-111, "alice"),
        ],
    ),
    Script(
        RAJ,
        "Site-to-site VPN to Singapore office drops every night",
        "The IPsec tunnel between London (FortiGate 100F) and the Singapore office (SRX300) drops every night around "
        "02:00 SGT and comes back after about 10 minutes. Phase 1 renegotiates fine afterwards. Started last week. "
        "Not critical, but the overnight replication job fails when it happens.",
        at=-60,
        steps=[
            assign(-59, "alice", "Network"),
            status(
                -58.5,
                "alice",
                "investigating",
                -34,
                "Hi Raj,\n\nThanks, the timing detail helps. I'll correlate the drops with the tunnel logs on both "
                "ends and the Singapore line's status, and update you by {due}.",
            ),
            note(
                -40,
                "alice",
                "Drops at 01:58-02:09 SGT coincide with the Singapore ISP's forced daily PPPoE reconnect (new public "
                "IP). FortiGate peer is configured by IP, so the tunnel stays down until DPD gives up. Options: static "
                "IP from the ISP, or FQDN/DDNS peer.",
            ),
            status(
                -34.5,
                "alice",
                "waiting_third_party",
                10,
                "Hi Raj,\n\nFound it. The Singapore ISP forces a reconnect of the office line every night at about "
                "01:58 SGT and hands out a new public IP. The London FortiGate identifies the Singapore peer by IP "
                "address, so the tunnel stays down until dead-peer detection gives up on the old address and the "
                "SRX renegotiates: about ten minutes.\n\n"
                "Two ways forward:\n"
                "1. A static IP on that line from the ISP. Pros: clean, no config change. Cons: usually a monthly "
                "fee and one to two weeks' lead time.\n"
                "2. Identify the peer by hostname (dynamic DNS) instead of IP. Pros: free, and we can do it this "
                "week. Cons: one more moving part, and each reconnect still causes a blip of about a minute.\n\n"
                "We've asked the ISP (ticket SG-77120) for the price and lead time of a static IP so you can "
                "compare. Meanwhile, moving the replication job to 03:00 SGT would avoid the failures. I'll update "
                "you with the ISP's answer by {due}.",
            ),
            customer(
                -30, "Thanks Alice. I've moved replication to 03:00. Waiting on the ISP quote then."
            ),
        ],
    ),
    Script(
        RAJ,
        "Intermittent 502 errors on api.harbourline.example.com",
        "Our API clients are seeing intermittent 502s from api.harbourline.example.com, about 1-2% of requests since "
        "06:00 UTC. Origin logs show nothing for those requests, so they seem to die before reaching us.",
        at=-9,
        priority="high",
        steps=[
            assign(-8.8, "alice", "Hosting"),
            status(
                -8.5,
                "alice",
                "investigating",
                -6,
                "Hi Raj,\n\nAgreed, this looks like it fails before the origin. I'm checking the load balancer and "
                "CDN logs for the failed requests and will update you by {due}.",
            ),
            note(
                -7,
                "alice",
                "LB logs clean. CDN shows 502 'origin connect timeout' from its London and Amsterdam POPs only. "
                "Provider status page: nothing. Opened case #440192 with the CDN provider, severity 2.",
            ),
            status(
                -6.2,
                "alice",
                "waiting_third_party",
                2,
                "Hi Raj,\n\nUpdate: the load balancer never sees the failed requests. The CDN logs show them as "
                "'origin connect timeout' at two of its locations (London and Amsterdam) only, so the fault appears "
                "to be inside the CDN provider's network. Their status page shows nothing yet, so we've opened a "
                "priority case with them (#440192).\n\n"
                "If the error rate hurts you in the meantime, we can route API traffic around the CDN, straight to "
                "the load balancer. Pros: stops the 502s now. Cons: no edge caching or DDoS protection while it's "
                "in place. Tell me if you want that; otherwise I'll update you with the provider's answer by {due}.",
            ),
        ],
    ),
    Script(
        RAJ,
        "Restore orders_archive table from last night's backup",
        "A script run by one of our developers dropped the orders_archive table on the reporting database "
        "(reporting-db01) at around 08:30. Please restore it from last night's backup. Nothing else is affected.",
        at=-12,
        priority="high",
        steps=[
            assign(-11.8, "alice", "Hosting"),
            status(
                -11.6,
                "alice",
                "investigating",
                -9,
                "Hi Raj,\n\nOn it. I'm locating the backup set for reporting-db01 and checking it is intact before "
                "restoring anything. I'll update you by {due}.",
            ),
            note(
                -10.5,
                "alice",
                "Nightly dumps for reporting-db01 FAILED for 3 nights (backup target out of quota; the alert was "
                "muted by a maintenance window that was never closed). Last good dump: 4 days ago. Binlogs kept 7 "
                "days, so point-in-time recovery to 08:29 is possible.",
            ),
            status(
                -9.5,
                "alice",
                "waiting_customer",
                1,
                "Hi Raj,\n\nI'm sorry to say that last night's backup of reporting-db01 can't be used: the nightly "
                "backups of that server have failed for the last three nights. That is our failure. The backup "
                "storage ran out of space, and the alert was muted by a maintenance window we should have closed. "
                "Both are fixed, and tonight's backup will run normally.\n\n"
                "No data should be lost, though. We have a complete backup from four days ago plus the database's "
                "own change log since then, so we can rebuild the table as it was at 08:29 today, just before it was "
                "dropped. There are two ways to do it:\n\n"
                "1. Rebuild on a temporary server, then copy only orders_archive back to reporting-db01. Pros: "
                "nothing else on reporting-db01 is touched or stopped. Cons: takes about 3 hours.\n"
                "2. Rebuild the whole of reporting-db01 in place. Pros: about 1.5 hours. Cons: reporting-db01 is "
                "unavailable meanwhile, and any other changes made since 08:30 are rolled back.\n\n"
                "I recommend option 1. Which do you prefer? We'll start as soon as we hear from you, and I'll check "
                "in with you by {due} regardless.",
            ),
        ],
    ),
    Script(
        MICHAEL,
        "Question about invoice INV-2291: extra hours",
        "Hello, I'm the country manager for our Tokyo office. Our invoice INV-2291 includes 6 hours of "
        '"additional support" for Tokyo. I wasn\'t aware we had asked for anything extra. Could you explain what '
        "this was for? I need to approve the invoice by the end of the week.",
        at=-3,
        steps=[
            assign(-2.8, "kimura", "Hosting"),
            status(
                -2.5,
                "kimura",
                "acknowledged",
                21,
                "Dear Mr Brown,\n\nThank you for your message. I'm Hiroshi Kimura, the service manager for your "
                "account, and I understand you need to approve the invoice by the end of the week.\n\n"
                "I'm collecting the records behind those 6 hours (dates, who asked for the work, and what was done) "
                "and will send you a clear breakdown by {due}. If any of it is not what you expected, we will "
                "discuss it with you before you approve anything.",
            ),
            note(
                -2,
                "kimura",
                "6h = 3 on-site visits to the Tokyo office to set up printers and Wi-Fi for new desks, asked for by "
                "phone by Ken Watanabe. The contract covers remote support only; on-site is billable, but nobody "
                "confirmed the cost with Michael beforehand (P14). Proposing a goodwill credit of 2h.",
            ),
        ],
    ),
    Script(
        MICHAEL,
        "Email account for new starter",
        "Please create an email account for Ken Watanabe, who joins our Tokyo office on the 1st. Thank you.",
        at=-80,
        priority="low",
        steps=[
            assign(-79, "alice", "Hosting"),
            close(
                -78.8,
                "alice",
                "duplicate",
                "Dear Mr Brown,\n\nThank you. Your HR team sent us the same request yesterday and my colleague is "
                "already setting up Ken's account there, so I've closed this copy to make sure you only get one set "
                "of updates. You'll hear from us on the other request once the account is ready.",
            ),
        ],
    ),
]
