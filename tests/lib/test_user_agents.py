from kamavor.lib.user_agents import describe

ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36 Edg/124.0"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"


def test_it_names_common_browsers_and_systems():
    assert describe(ANDROID) == ("Chrome", "Android")
    assert describe(IPHONE) == ("Safari", "iPhone")
    assert describe(EDGE) == ("Edge", "Windows")
    assert describe(FIREFOX) == ("Firefox", "Linux")


def test_it_knows_nothing_of_an_empty_or_strange_header():
    assert describe("") == ("", "")
    assert describe("curl/8.5") == ("", "")
