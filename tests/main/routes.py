"""Who may reach the base platform's routes (see test_access_matrix.py)."""

# endpoint -> (anonymous, officer, hq) for a GET. An officer is given another branch's ids.
BASE = {
    "static": (200, 200, 200),
    "main.home": (200, 200, 200),  # the public front page, or the staff home
    "main.front": (200, 200, 200),
    "main.switch_language": (302, 302, 302),
    "main.health": (200, 200, 200),
    "auth.login": (200, 302, 302),
    "auth.logout": (405, 405, 405),
    "auth.setup": (404, 404, 404),
    "auth.account": (302, 200, 200),
    "auth.change_password": (302, 200, 200),
    "accounts.index": (302, 403, 200),
    "accounts.invite": (302, 403, 200),
    "accounts.edit": (302, 403, 200),
    "accounts.reset": (405, 405, 405),
    "org.index": (302, 200, 200),
    "org.create": (302, 403, 200),
    "org.detail": (302, 404, 200),
    "audit.index": (302, 403, 200),
}
# endpoint -> (anonymous, officer, hq) for a POST with a valid CSRF token and no data.
BASE_POST = {
    "auth.login": (401, 302, 302),
    "auth.logout": (401, 302, 302),
    "auth.setup": (404, 404, 404),
    "auth.account": (401, 400, 400),  # new recovery codes need the current password
    "auth.change_password": (401, 400, 400),
    "accounts.invite": (401, 403, 400),
    "accounts.edit": (401, 403, 400),
    "accounts.reset": (401, 403, 302),
    "org.create": (401, 403, 400),
}
