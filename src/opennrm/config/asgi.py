import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opennrm.config.settings")
application = get_asgi_application()

from opennrm.config.startup import refuse_bad_rule_files  # noqa: E402  (needs Django set up)

refuse_bad_rule_files()
