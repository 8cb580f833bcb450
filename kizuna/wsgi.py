import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
application = get_wsgi_application()

# Each web worker loads its analysers as it starts, not on the first request that needs one:
# the reply checker's rules and dictionary (the first keystroke in the composer), the mood and
# intake lexicons (a customer's first reply) and the search terms (the first message indexed).
# About a second of loading otherwise lands on somebody's request.
from kizuna.intake.facts import find_facts  # noqa: E402 - needs the settings configured above
from kizuna.mood.engine import assess  # noqa: E402
from kizuna.replycheck import warm_up  # noqa: E402
from kizuna.search.terms import index_text  # noqa: E402

warm_up()
for _text, _lang in (
    ("昨日からメールが送信できず、業務が止まっていて困っています。", "ja"),
    ("Since yesterday we cannot send mail and our work has stopped.", "en"),
):
    assess(_text, lang=_lang)
    find_facts(_text, lang=_lang)
    index_text(_text)
