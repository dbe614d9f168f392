"""Logging a test user in through the real login page, in a context of its own."""


def login(browser, live_server, user):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    return context, page
