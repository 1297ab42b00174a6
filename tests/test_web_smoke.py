"""The web app's home page in a real Chromium: loads, nothing from outside, no CSP violation, accessible."""


def test_home_page_in_chromium(browsing):
    browsing.go("/")
    assert browsing.page.locator("h1").inner_text()
    browsing.shot("home-en")
    assert browsing.axe("home") == []
    browsing.page.click("#lang-switch")
    assert browsing.page.locator("html").get_attribute("lang") == "zh-CN"
    browsing.shot("home-zh")
