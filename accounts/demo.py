"""Demo data for `make run`: a staff login (created once, shown on every run)."""

import json
import os
import secrets

from django.conf import settings

from . import services
from .models import User

DEMO_EMAIL = "admin@voiceplatform.local"


def seed(stdout):
    credentials_file = settings.DATA_DIR / "demo-login.json"
    user = User.objects.filter(email=DEMO_EMAIL).first()
    if user is None or not credentials_file.exists():
        password = secrets.token_urlsafe(12)
        if user is None:
            user = User.objects.create_superuser(email=DEMO_EMAIL, password=password, display_name="Demo Admin")
            services.grant_credits(user, 1000, note="demo credits", initial=True)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        credentials_file.write_text(json.dumps({"email": DEMO_EMAIL, "password": password}))
        os.chmod(credentials_file, 0o600)
    login = json.loads(credentials_file.read_text())
    stdout.write(f"Staff login: {login['email']} / {login['password']}  (stored in {credentials_file})")
