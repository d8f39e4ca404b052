"""`python -m gateway create-user`: the first administrator (and any staff user) from the shell."""

from __future__ import annotations

import argparse
import getpass
import os
import uuid
from pathlib import Path

from anju_common.db import make_engine, session_scope
from anju_common.logs import configure_logging
from anju_common.migrate import upgrade
from pydantic import ValidationError

from gateway import repository as repo
from gateway import service
from gateway.config import get_settings
from gateway.models import StaffRole
from gateway.schemas import UserCreate
from gateway.security import hash_password

PASSWORD_ENV = "GATEWAY_NEW_USER_PASSWORD"  # noqa: S105 (the name of a variable)


def create_user_main(argv: list[str], migrations: Path) -> int:
    """Create a staff user; with --update an existing one gets the new password, role sites and state."""
    parser = argparse.ArgumentParser(prog="python -m gateway create-user")
    parser.add_argument("--username", required=True)
    parser.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    parser.add_argument("--site", action="append", default=[], type=uuid.UUID, help="site id (repeatable)")
    parser.add_argument("--display-name")
    parser.add_argument("--password", help=f"else ${PASSWORD_ENV}, else asked for")
    parser.add_argument("--update", action="store_true", help="reset password and sites if the user exists")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    password = args.password or os.environ.get(PASSWORD_ENV) or getpass.getpass("password: ")
    try:
        data = UserCreate(
            username=args.username,
            password=password,
            role=StaffRole(args.role),
            site_ids=args.site,
            display_name=args.display_name,
        )
    except ValidationError as exc:
        for err in exc.errors():
            print(f"error: {'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg']}")
        return 2
    url = settings.sqlalchemy_url()
    upgrade(migrations, url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            existing = repo.get_user_by_username(session, data.username)
            if existing is not None:
                if not args.update:
                    print(f"error: user {data.username} exists (use --update to reset it)")
                    return 1
                existing.role = data.role
                existing.password_hash = hash_password(data.password)
                existing.site_ids = (
                    sorted({str(x) for x in data.site_ids}) if data.role == StaffRole.office_staff else []
                )
                existing.display_name = data.display_name or existing.display_name
                existing.active = True
                session.add(existing)
                user = existing
                print(f"updated {user.role.value} {user.username} id={user.id}")
            else:
                user = service.create_user(session, data, "cli")
                print(f"created {user.role.value} {user.username} id={user.id}")
    finally:
        engine.dispose()
    return 0
