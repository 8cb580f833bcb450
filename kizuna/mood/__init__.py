"""Customer mood (P8): is the sender of an inbound message calm, concerned, upset or panicking?

See docs/mood.md for what the moods mean, the lexicon format and how it is measured.

Public API (for the desk, the API and `kizuna mood`)::

    from kizuna.mood import MOODS, REASONS, Cue, MoodResult, assess, rank

    result = assess(text, lang="auto", follow_ups=0)
    result.mood        # "calm" | "concerned" | "upset" | "panicking"
    result.cues        # [Cue(text, start, end, kind, reason, weight)], in text order; a cue
                       # without a span (follow-ups) comes last with start = end = 0, text ""
    result.lang        # "ja" or "en" (detected when lang="auto")
    result.scores      # {"concerned": …, "upset": …, "panicking": …}: what the cues add up to
    result.to_dict()   # {"mood": …, "cues": [{"text", "start", "end"}]}: the JSON of `kizuna mood`

    MOODS              # ("calm", "concerned", "upset", "panicking"), mildest first
    rank("upset")      # 2: the place in MOODS, for comparing moods
    REASONS            # {reason key: description} for every `Cue.reason`

- `text`: one message as the customer sent it. Only their own new words count: quoted earlier
  mail (lines starting with > or ＞, "On … wrote:", "…様は書きました：", "-----Original
  Message-----" and the headers below it), signatures and pasted logs or code are ignored.
  Offsets are character (code point) offsets into `text` as given; `text[start:end] ==
  cue.text` always.
- `lang`: "auto" | "ja" | "en". Both lexicons look at the scripts present in the message (a
  Japanese mail saying "ASAP" counts it); `lang` is the message's main language.
- `follow_ups`: how many earlier messages the same customer sent on the same request within
  the last hour (the caller counts them). Two or more are a cue of their own (kind and reason
  "follow-ups", no span).
- `Cue.kind`: urgency, outage (business or service stopped, data lost or a break-in), threat,
  escalation, repetition, waiting, anger, worry, emphasis (!!, ?!, ??, words in capitals),
  follow-ups. `Cue.reason`: a short key from REASONS that the desk shows in words.
- Bad arguments raise ValueError (TypeError when `text` is not a str). Any text is accepted:
  empty (calm), 100,000 characters, control characters, lone surrogates.

How the cues decide. Each cue has a weight (0.5 weak, 1.0 normal, 1.5 strong); its kind
adds it to one score: urgency and outage to *panicking*; threat, escalation, repetition,
waiting, anger and follow-ups to *upset*; worry to *concerned*. Within one reason the
strongest cue counts whole, the next half, the next a quarter, and so on. Emphasis alone
means nothing ("Thanks!!" is calm); otherwise it adds up to 1.0 to the larger of the
panicking and upset scores (to concerned when both are 0). A cue written in capitals
("URGENT") counts 1.5 times. Then:

- panicking: the panicking score is at least 2.0 and not below the upset score (a service
  or the business is down and the customer presses for help);
- upset: otherwise, the upset score is at least 1.5 (one strong complaint, threat or demand
  for a manager, or two milder ones);
- concerned: otherwise, all scores together reach 1.0 (worry, mild urgency, one complaint);
- calm: otherwise. A calm result lists no cues.

A negation right after a Japanese cue (急ぎではありません, 心配はしていません) or among the
three words before an English one ("not urgent", "I'm not worried") cancels it. A hedge
("no rush", お手すきの際に) cancels urgency in its sentence and halves the panicking score;
a sentence thanking for past help counts no cue; outage words count half in a sentence
about the past or when the customer has a workaround. The lexicon module's docstring and
docs/mood.md describe these lists.
"""

from __future__ import annotations

__all__ = ["MOODS", "REASONS", "Cue", "MoodResult", "assess", "rank"]


def __getattr__(name: str):
    # The engine comes with its lexicons (YAML, compiled into patterns): about 60 ms that a
    # process which reads no message's mood (kizuna ingest queues that reading for a
    # worker) should not spend at every start.
    if name in __all__:
        from kizuna.mood import engine, lexicon

        value = globals()[name] = getattr(lexicon if name == "REASONS" else engine, name)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
