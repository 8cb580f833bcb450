import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
application = get_wsgi_application()

# Each web worker loads the reply checker's rules and dictionary as it starts, not on the
# first keystroke an agent makes in the composer.
from kizuna.replycheck import warm_up  # noqa: E402 - needs the settings configured above

warm_up()
