"""Create, list and revoke the API clients of an agency from the command line (docs/api.md)."""

from django.core.management.base import BaseCommand, CommandError

from api.clients import ClientError, do_create_client, do_revoke_client, may_manage_clients
from api.models import ApiClient, Scope
from casework.models import Agency, User


class Command(BaseCommand):
    help = (
        "Manage API clients. 'create' prints the new token once (only its hash is kept); "
        "'list' shows an agency's clients; 'revoke' ends a client's token at once. "
        "--by is the agency administrator recorded as doing it."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a client and print its token")
        create.add_argument("--agency", required=True, help="code of the agency the client acts for")
        create.add_argument("--name", required=True, help="the partner system, e.g. 'Tổng đài 111'")
        create.add_argument("--scopes", required=True, help=f"comma-separated, among: {', '.join(Scope.values)}")
        create.add_argument("--by", required=True, help="username of an administrator of the agency")
        listing = sub.add_parser("list", help="list the clients of an agency")
        listing.add_argument("--agency", required=True)
        revoke = sub.add_parser("revoke", help="revoke a client's token")
        revoke.add_argument("prefix", help="the beginning of the token, as 'list' shows it")
        revoke.add_argument("--by", required=True, help="username of an administrator of the agency")

    def _agency(self, code: str) -> Agency:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            raise CommandError(f"No agency with code {code!r}.")
        return agency

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user

    def handle(self, *args, action, **options):
        if action == "create":
            agency, actor = self._agency(options["agency"]), self._user(options["by"])
            scopes = [scope.strip() for scope in options["scopes"].split(",") if scope.strip()]
            try:
                client, token = do_create_client(name=options["name"], agency=agency, scopes=scopes, actor=actor)
            except ClientError as error:
                raise CommandError(str(error))
            self.stdout.write(f"Created {client.name} for {agency.code} ({', '.join(client.scopes)}).")
            self.stdout.write("Token (shown once, keep it in the partner system's secret store):")
            self.stdout.write(token)
        elif action == "list":
            agency = self._agency(options["agency"])
            for client in ApiClient.objects.filter(agency=agency).order_by("created_at"):
                state = f"revoked {client.revoked_at:%Y-%m-%d %H:%M}" if client.revoked_at else "active"
                used = f"{client.last_used_at:%Y-%m-%d %H:%M}" if client.last_used_at else "never"
                self.stdout.write(
                    f"{client.token_prefix}  {client.name}  [{', '.join(client.scopes)}]  {state}, last used {used}"
                )
        else:
            actor = self._user(options["by"])
            client = ApiClient.objects.filter(token_prefix=options["prefix"]).select_related("agency").first()
            if client is None:
                raise CommandError(f"No client whose token begins with {options['prefix']!r}.")
            if not may_manage_clients(actor, client.agency):
                raise CommandError(f"{actor.username} is not an administrator of {client.agency.code}.")
            do_revoke_client(client, actor=actor)
            self.stdout.write(f"Revoked {client.name}.")
