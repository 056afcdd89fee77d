"""Portal accounts (issue 22): a coordinator (every region) or an office (its regions), each with a sign-in key
shown once and kept only as its hash; a new key or a revocation ends the old key and every session made with it.
Sessions live in the store, so that any worker of the portal answers any request."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest

from workbook.services import accounts
from workbook.store import open_store
from workbook.store.tables import STORE_FORMAT

pytestmark = pytest.mark.both_stores  # each test on SQLite and on PostgreSQL

ALL_REGIONS = ["XC", "SX", "JX", "FX", "GD"]


def add(env, name: str, *args: str, lang: str | None = None) -> dict:
    return env.json("account", "add", name, *args, lang=lang, code=0)


def store(env):
    """The store as another process of the portal would open it: its own engine, its own connections."""
    return open_store(env.store)


def every_cell(env) -> str:
    """Everything the account and session tables hold, as one text (what a stolen backup would show)."""
    rows = env.sql("SELECT * FROM cwb_accounts") + env.sql("SELECT * FROM cwb_sessions")
    return " ".join(str(v) for row in rows for v in row)


def test_an_office_and_a_coordinator_get_the_contracts_json(env):
    office = add(env, "xuchang", "--role", "office", "--region", "XC", "--region", "SX")
    assert set(office) == {"account", "key"}
    assert office["account"] == {"name": "xuchang", "role": "office", "regions": ["XC", "SX"]}
    assert isinstance(office["key"], str) and len(office["key"]) >= 43  # 256 random bits, URL-safe base64
    boss = add(env, "province", "--role", "coordinator")
    assert boss["account"] == {"name": "province", "role": "coordinator", "regions": ALL_REGIONS}
    assert boss["key"] != office["key"]
    listed = env.json("account", "list", code=0)
    assert set(listed) == {"accounts"}
    assert [set(a) for a in listed["accounts"]] == [{"name", "role", "regions", "active", "last_seen"}] * 2
    by_name = {a["name"]: a for a in listed["accounts"]}
    assert by_name["xuchang"] == {"name": "xuchang", "role": "office", "regions": ["XC", "SX"], "active": True,
                                  "last_seen": None}
    assert by_name["province"]["regions"] == ALL_REGIONS and by_name["province"]["active"] is True


def test_the_key_is_shown_once_and_kept_only_as_its_hash(env):
    done = env.run("account", "add", "xuchang", "--role", "office", "--region", "XC")
    assert done.exit_code == 0, done.stderr
    key = done.stdout.strip()  # the key alone on stdout: `KEY=$(cluster-wb account add ...)`
    assert len(key) >= 43 and "\n" not in key
    assert "只显示这一次" in done.stderr and "xuchang" in done.stderr
    en = env.run("account", "key", "xuchang", lang="en")
    assert en.exit_code == 0 and "shown only now" in en.stderr
    new_key = en.stdout.strip()
    stored = every_cell(env)
    assert key not in stored and new_key not in stored
    assert hashlib.sha256(new_key.encode()).hexdigest() in stored  # the hash, and nothing else of it
    for fmt in ("text", "json"):
        listed = env.run("account", "list", "--format", fmt)
        assert listed.exit_code == 0
        assert new_key not in listed.stdout + listed.stderr
        assert hashlib.sha256(new_key.encode()).hexdigest() not in listed.stdout


def test_the_key_signs_in_and_a_session_carries_the_account(env):
    key = add(env, "xuchang", "--role", "office", "--region", "XC")["key"]
    st = store(env)
    account = accounts.authenticate(st, key)
    assert account is not None and (account.name, account.role, account.regions) == ("xuchang", "office", ("XC",))
    scope = account.scope
    assert scope.actor == "xuchang" and scope.covers("XC") and not scope.covers("SX")
    assert scope.outside(["XC", "SX", "GD"]) == ["SX", "GD"]
    for wrong in ("", key[:-1], key + "x", key.upper(), "x" * 43):
        assert accounts.authenticate(st, wrong) is None
    token = accounts.open_session(st, account)
    assert token != key and len(token) >= 43 and token not in every_cell(env)
    other_worker = store(env)
    assert accounts.session_account(other_worker, token).name == "xuchang"
    assert accounts.session_account(other_worker, token + "x") is None
    accounts.end_session(other_worker, token)  # signing out, served by another worker
    assert accounts.session_account(st, token) is None
    assert accounts.authenticate(st, key) is not None  # the key still works: only that session ended
    seen = {a["name"]: a for a in env.json("account", "list", code=0)["accounts"]}["xuchang"]["last_seen"]
    assert seen and seen[:4].isdigit()


def test_a_coordinators_scope_covers_every_region(env):
    key = add(env, "province", "--role", "coordinator")["key"]
    scope = accounts.authenticate(store(env), key).scope
    assert scope.role == "coordinator" and scope.regions is None
    assert scope.covers("XC") and scope.covers("a region added later") and scope.outside(ALL_REGIONS) == []


def test_a_new_key_ends_the_old_key_and_its_sessions(env):
    old = add(env, "xuchang", "--role", "office", "--region", "XC")["key"]
    st = store(env)
    token = accounts.open_session(st, accounts.authenticate(st, old))
    again = env.json("account", "key", "xuchang", code=0)
    assert again["account"] == {"name": "xuchang", "role": "office", "regions": ["XC"]}
    assert again["key"] != old
    assert accounts.authenticate(st, old) is None
    assert accounts.session_account(st, token) is None
    assert accounts.authenticate(st, again["key"]).name == "xuchang"
    assert [a["active"] for a in env.json("account", "list", code=0)["accounts"]] == [True]


def test_revoking_ends_the_key_and_every_session_in_every_worker(env):
    key = add(env, "xuchang", "--role", "office", "--region", "XC")["key"]
    other = add(env, "shangqiu", "--role", "office", "--region", "SX")["key"]
    worker_a, worker_b = store(env), store(env)
    tokens = [accounts.open_session(worker_a, accounts.authenticate(worker_a, key)) for _ in range(2)]
    kept = accounts.open_session(worker_a, accounts.authenticate(worker_a, other))
    done = env.run("account", "revoke", "xuchang", lang="en")
    assert done.exit_code == 0 and "xuchang" in done.stderr + done.stdout
    assert accounts.authenticate(worker_b, key) is None
    assert [accounts.session_account(worker_b, t) for t in tokens] == [None, None]
    assert accounts.session_account(worker_b, kept).name == "shangqiu"  # another account's session goes on
    listed = {a["name"]: a["active"] for a in env.json("account", "list", code=0)["accounts"]}
    assert listed == {"xuchang": False, "shangqiu": True}
    assert env.run("account", "revoke", "xuchang").exit_code == 0  # again: nothing more to end, said so
    fresh = env.json("account", "key", "xuchang", code=0)["key"]  # a new key brings a revoked account back
    assert accounts.authenticate(worker_b, fresh).name == "xuchang"
    assert [accounts.session_account(worker_b, t) for t in tokens] == [None, None]  # old sessions stay ended


def test_a_session_expires(env):
    key = add(env, "xuchang", "--role", "office", "--region", "XC")["key"]
    st = store(env)
    account = accounts.authenticate(st, key)
    short = accounts.open_session(st, account, lifetime=timedelta(seconds=1))
    lasting = accounts.open_session(st, account)
    assert accounts.session_account(st, short).name == "xuchang"
    time.sleep(1.5)
    assert accounts.session_account(st, short) is None
    assert accounts.session_account(st, lasting).name == "xuchang"
    (expires,) = env.sql("SELECT expires FROM cwb_sessions WHERE token_hash = :h",
                         h=hashlib.sha256(lasting.encode()).hexdigest())[0]
    assert expires > time.strftime("%Y-%m-%d", time.gmtime())  # hours away, not for ever


@pytest.mark.parametrize(("args", "words"), [
    (("add", "xuchang", "--role", "office", "--region", "XC"), ["xuchang", "exists"]),
    (("add", "nanyang", "--role", "office", "--region", "NY", "--region", "XC"), ["NY", "XC, SX, JX, FX, GD"]),
    (("add", "nanyang", "--role", "office"), ["nanyang", "--region"]),
    (("add", "province", "--role", "coordinator", "--region", "XC"), ["coordinator", "--region"]),
    (("add", "bad name", "--role", "office", "--region", "XC"), ["bad name"]),
    (("key", "nobody"), ["nobody", "xuchang"]),
    (("revoke", "nobody"), ["nobody", "xuchang"]),
])
def test_a_refusal_says_why_in_one_line_and_changes_nothing(env, args, words):
    key = add(env, "xuchang", "--role", "office", "--region", "XC")["key"]
    before = env.sql("SELECT name, key_hash, key_gen, revoked_at FROM cwb_accounts")
    for lang in ("en", "zh"):
        done = env.run("account", *args, lang=lang)
        assert done.exit_code == 2, done.stderr
        assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
        if lang == "en":
            assert all(w in done.stderr for w in words), done.stderr
    assert env.sql("SELECT name, key_hash, key_gen, revoked_at FROM cwb_accounts") == before
    assert accounts.authenticate(store(env), key).name == "xuchang"


def test_the_list_reads_in_either_language(env):
    add(env, "xuchang", "--role", "office", "--region", "XC")
    add(env, "province", "--role", "coordinator")
    env.run("account", "revoke", "xuchang")
    en = env.run("account", "list", lang="en")
    assert en.exit_code == 0 and "xuchang" in en.stdout and "revoked" in en.stdout and "all" in en.stdout
    zh = env.run("account", "list")
    assert "已吊销" in zh.stdout and "全部" in zh.stdout and "科室" in zh.stdout


def test_a_store_of_the_format_before_accounts_is_upgraded(env):
    env.build("wb.xlsx")
    env.sql("DROP TABLE cwb_sessions")
    env.sql("DROP TABLE cwb_accounts")
    env.sql(f"UPDATE cwb_meta SET value = '{int(STORE_FORMAT) - 1}' WHERE key = 'format'")
    assert env.json("account", "list", code=0) == {"accounts": []}
    assert env.sql("SELECT value FROM cwb_meta WHERE key = 'format'") == [(STORE_FORMAT,)]
    assert {"cwb_accounts", "cwb_sessions"} <= env.tables()
    key = add(env, "xuchang", "--role", "office", "--region", "XC")["key"]
    assert accounts.authenticate(store(env), key).name == "xuchang"
