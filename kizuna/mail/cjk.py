"""Telling which East Asian legacy charset undeclared bytes are in (see docs/email.md,
"Charsets").

Raw 8-bit text without a charset label (headers above all) is decoded in every candidate
charset; each reading that decodes cleanly is scored by how much it looks like real text in
its language, and the best one wins. Mojibake has tell-tale signs: a Japanese reading of
Chinese bytes has no kana and many rare kanji, a Chinese reading of Japanese bytes shows kana
where Chinese has none, and a wrong reading lands on the rarely used second level of the
character set much more often than real text does.
"""

from __future__ import annotations

# Characters that ordinary text in each language uses all the time. A reading made of them is
# real text; the same bytes read in another charset rarely are.
_COMMON_JA = frozenset(
    "日一国会人年大十二本中長出三同時政事自行社見月分議後前民生連五発間対上部東者党地合市"
    "業内相方四定今回新場金員九入選立開手米力学問高代明実円関決子動京全目表戦経通外最言氏"
    "現理調体化田当八六約主題下首意法不来作性的要用制治度務強気小七成期公持野協取都和統以"
    "機平総加山思家話世受区領多県続進正安設保改数記院女初北午指権心界支第産結百派点教報済"
    "書府活原先共得解名交資予川向際査勝面委告軍文反元重近千考判認画海参売利組知案道信策集"
    "在件団別物側任引使求所次水半品昨論計死官増係感特情投示変打男基私各始島直両朝革価式確"
    "村提運終挙果西勢減台広容必応演電歳住争談能無再位置企真流格有疑口過局少放税検町常校料"
    "様御願致申障害依頼至急送返答絡届登録削除停止復旧積納契接続更承知頂担当件宜敬具拝啓"
    "貴際確認対応頂戴恐縮伺申訳早速添付資料送付回答連絡本日明日昨日弊社御社"
)
_COMMON_ZH_SIMPLIFIED = frozenset(
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下"
    "自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部"
    "其些主样理心她本前开但因只从想实日者意无力它与长把机民第公此已工使情明性知全又关点正"
    "业外将两高间由问很最重并物手应向头文体政美相见被利什等产或新己制身果加西月话合回特代"
    "内信表化老给世位次度门任常先海通教原东声提立及比员解水名真论处走义各入几口认条平系气"
    "题活更别打女变总何电数安少报才结反受目量再感建务做接必场件计管期市直资命金指许统区保"
    "至队形社便空决治展科司基书非则听白界达光放强即像难且权思完设式色路记品住告类求据程北"
    "边死张该交规万取格望觉术领共确传师观清今切院让识候带导争运笑步改收根造言联持组每济车"
    "亲极服快办议往元证近失转令准布始怎呢存未远叫单影具爱流备连调深商算质团集需价请技际约"
    "示复病息究线似官断精满支视消器容照须增研写称企功吗包片史委查轻易早曾除找装广显图念引"
    "历首医局专费号尽另较注语仅考落随选列响虽推势参希众构房半节投某案维划致律足态护兴派验"
    "责营够章音跟志底站严例防族供效续施留讲型料终答紧绝察段依批群项故按围织害双境客纪采举"
    "您谢邮箱账户密码登录网络服务器错误失败帮忙处理附收到回复发送"
)
_COMMON_ZH_TRADITIONAL = frozenset(
    "的一是不了在人有我他這個們中來上大為和國地到以說時要就出會可也你對生能而子那得於著下"
    "自之年過發後作裡用道行所然家種事成方多經麼去法學如都同現當沒動面起看定天分還進好小部"
    "其些主樣理心她本前開但因只從想實日者意無力它與長把機民第公此已工使情明性知全又關點正"
    "業外將兩高間由問很最重並物手應向頭文體政美相見被利什等產或新己制身果加西月話合回特代"
    "內信表化老給世位次度門任常先海通教原東聲提立及比員解水名真論處走義各入幾口認條平系氣"
    "題活更別打女變總何電數安少報才結反受目量再感建務做接必場件計管期市直資命金指許統區保"
    "至隊形社便空決治展科司基書非則聽白界達光放強即像難且權思完設式色路記品住告類求據程北"
    "您謝郵箱帳號戶密碼登錄網絡伺服器錯誤失敗幫忙協助處理附收到回覆發送鎖定線連請"
)

_JAPANESE = {"cp932", "euc-jp", "iso-2022-jp"}
_SIMPLIFIED = {"gb18030", "gbk", "gb2312"}
_TRADITIONAL = {"big5", "big5hkscs", "cp950"}


def _level(ch: str, codec: str) -> int:
    """1 for a character in the frequently used first level of the codec's character set,
    2 for the rarer second level, 3 for anything beyond (vendor or extension areas)."""
    target = {"cp932": "euc_jp", "euc-jp": "euc_jp", "iso-2022-jp": "euc_jp"}.get(codec)
    if target is None:
        target = "gb2312" if codec in _SIMPLIFIED else "big5"
    try:
        lead = ch.encode(target)[0]
    except UnicodeEncodeError:
        return 3
    if target == "euc_jp":
        return 1 if 0xB0 <= lead <= 0xCF else 2
    if target == "gb2312":
        return 1 if 0xB0 <= lead <= 0xD7 else 2
    return 1 if 0xA4 <= lead <= 0xC6 else 2


def score(text: str, codec: str) -> int:
    """How much `text`, read from bytes in `codec`, looks like real text of its language."""
    if codec in _JAPANESE:
        common, kana = _COMMON_JA, 3
    elif codec in _SIMPLIFIED:
        common, kana = _COMMON_ZH_SIMPLIFIED, -1
    else:
        common, kana = _COMMON_ZH_TRADITIONAL, -1
    total = 0
    for ch in text[:2000]:
        o = ord(ch)
        if o < 0x80:
            continue
        if 0x3040 <= o <= 0x30FF:  # kana: in every Japanese sentence, in no Chinese one
            total += kana
        elif 0x4E00 <= o <= 0x9FFF:
            total += 3 if ch in common else {1: 1, 2: -1, 3: -3}[_level(ch, codec)]
        elif 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E:
            total += 1
        elif 0xFF61 <= o <= 0xFF9F:  # half-width katakana: rare in mail, typical of mojibake
            total -= 2
        elif 0xE000 <= o <= 0xF8FF or o == 0xFFFD or 0x80 <= o <= 0x9F:
            total -= 5  # private use, replacement characters, C1 controls
        elif 0xA0 <= o <= 0x24F:
            total -= 2  # accented Latin among CJK text: bytes read in the wrong charset
    return total
