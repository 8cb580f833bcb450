"""What a check returns: findings with character offsets, and the result of one message."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

CATEGORIES = (
    "jargon",
    "blame",
    "condescension",
    "speculation",
    "refusal",
    "bad-news",
    "resolution",
    "vague",
    "checkpoint",
    "alarm",
    "politeness",
    "readability",
)
SEVERITIES = ("error", "warning", "info")
LANGUAGES = ("ja", "en")
AUDIENCES = ("general", "technical")
PURPOSES = ("any", "update", "resolution", "bad-news", "closing")

# Errors first, so a reader sees what blocks sending before what merely advises.
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One problem in a draft. `start`/`end` are character (code point) offsets into the
    text exactly as it was given, `text` is `text[start:end]`."""

    rule: str
    category: str
    principle: str
    severity: str
    start: int
    end: int
    text: str
    message: str
    suggestion: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Result:
    """The outcome of checking one message: its language and its findings in text order."""

    lang: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict:
        """The JSON shape of `kizuna replycheck --format json` and of the API."""
        return {"lang": self.lang, "findings": [f.to_dict() for f in self.findings]}
