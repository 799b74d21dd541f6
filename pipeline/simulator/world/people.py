"""Users, organizations, service accounts and their credential metadata (never secret values)."""

from __future__ import annotations

from pipeline.simulator.world.gen import DAY_S, Gen, iso

FIRST = [
    "ada",
    "ben",
    "chloe",
    "dev",
    "elena",
    "farid",
    "grace",
    "hugo",
    "ines",
    "jon",
    "kira",
    "liam",
    "mei",
    "noah",
    "olga",
    "priya",
    "quinn",
    "raj",
    "sara",
    "tomas",
    "uma",
    "victor",
    "wen",
    "yara",
]
LAST = [
    "lovelace",
    "okafor",
    "martin",
    "patel",
    "rossi",
    "haddad",
    "hopper",
    "dubois",
    "garcia",
    "smith",
    "tanaka",
    "oneill",
    "chen",
    "kim",
    "ivanova",
    "sharma",
    "lee",
    "kumar",
    "nilsson",
    "novak",
]
ORG_NAMES = [
    "finance",
    "risk",
    "marketing",
    "research",
    "operations",
    "platform",
    "fraud",
    "pricing",
    "supply-chain",
    "hr-analytics",
    "growth",
    "clinical",
    "genomics",
    "credit",
    "retail",
    "legal",
    "insurance",
    "energy",
    "sales",
    "support",
]


def build_users(g: Gen) -> dict[str, dict]:
    """User 0 is a SysAdmin (the admin key's owner); user 1 is a plain practitioner."""
    users: dict[str, dict] = {}
    for i in range(g.spec.users):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST) + i * 7) % len(LAST)]
        suffix = "" if i < len(FIRST) else str(i)
        username = f"{first}_{last}{suffix}"
        is_admin = i == 0 or (i != 1 and g.u("user-admin", i) < 0.08)
        roles = ["SysAdmin", "Practitioner"] if is_admin else ["Practitioner"]
        user_id = g.oid("user", i, g.start_s - 400 * DAY_S + i * 3600)
        users[user_id] = {
            "id": user_id,
            "userName": username,
            "firstName": first.title(),
            "lastName": last.title(),
            "fullName": f"{first.title()} {last.title()}",
            "avatarUrl": "",
            "email": f"{username}@example.com",
            "phoneNumber": None,
            "companyName": "Example Corp",
            "roles": roles,
        }
    return users


def build_organizations(g: Gen, user_ids: list[str]) -> tuple[dict[str, dict], list[str]]:
    """Organizations with admins and members; returns (orgs, org id per user or '')."""
    orgs: dict[str, dict] = {}
    org_of_user = [""] * len(user_ids)
    order = list(orgs)
    for k in range(g.spec.organizations):
        org_id = g.oid("org", k, g.start_s - 300 * DAY_S + k * 60)
        orgs[org_id] = {
            "id": org_id,
            "name": ORG_NAMES[k % len(ORG_NAMES)] + ("" if k < 20 else f"-{k}"),
            "members": [],
            "defaultEnvironmentId": None,
        }
        order.append(org_id)
    for i, uid in enumerate(user_ids):
        if g.u("user-org", i) < 0.85:
            org_id = order[g.n("user-org-pick", i, 0, len(order) - 1)]
            org = orgs[org_id]
            role = "admin" if not org["members"] else "member"
            org["members"].append({"userId": uid, "organizationRole": role})
            org_of_user[i] = org_id
    return orgs, org_of_user


def build_service_accounts(g: Gen) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    accounts: dict[str, dict] = {}
    tokens: dict[str, list[dict]] = {}
    for k in range(g.spec.service_accounts):
        sa_id = g.oid("service-account", k, g.early("sa-created", k))
        name = f"svc-{['etl', 'scoring', 'reporting', 'ci', 'monitoring', 'backup'][k % 6]}-{k}"
        accounts[sa_id] = {
            "id": sa_id,
            "username": name,
            "idpId": g.uuid("sa-idp", k),
            "email": f"{name}@service.example.com",
        }
        created = g.early("sa-token", k)
        tokens[sa_id] = [
            {
                "name": f"{name}-token-{t}",
                "createdAt": iso(created + t * 30 * DAY_S),
                "expiresAt": iso(created + t * 30 * DAY_S + 180 * DAY_S),
                "isValid": t == g.n("sa-tok", k, 0, 1),
            }
            for t in range(g.n("sa-tokens", k, 1, 3))
        ]
    return accounts, tokens


def build_user_credentials(g: Gen, user_ids: list[str]) -> dict[str, list[dict]]:
    """Git credential metadata per user: provider, access type, domain; never a token value."""
    creds: dict[str, list[dict]] = {}
    for i, uid in enumerate(user_ids):
        items = []
        for c in range(g.n("cred-count", i, 0, 2)):
            provider = g.pick("cred-provider", i * 3 + c, ["Github", "Gitlab", "Bitbucket"])
            items.append(
                {
                    "id": g.oid("git-credential", i * 3 + c, g.early("cred-at", i * 3 + c)),
                    "name": f"{provider.lower()}-{c}",
                    "gitServiceProvider": provider,
                    "accessType": g.pick("cred-type", i * 3 + c, ["token", "password", "sshKey"]),
                    "domain": f"{provider.lower()}.com",
                    "fingerprint": None,
                }
            )
        creds[uid] = items
    return creds
