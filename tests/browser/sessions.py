"""Logging a test user in through the real login page, in a context of its own."""


def login(browser, live_server, user, *, answer_dialogs=True):
    """(context, page) of `user` signed in. The page answers OK to the questions irreversible
    actions ask (data-confirm, kikin.js), as the person who clicked would, unless
    `answer_dialogs` is False (a test that answers them itself: tests/browser/test_confirmations.py)."""
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(15000)
    if answer_dialogs:
        page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    return context, page
