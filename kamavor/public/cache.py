"""The public pages' cache: each process keeps the finished bytes of the pages people read
most (the network's page, a point's page, its poster and plain text list) and answers the next
visitor from memory, ahead of every other middleware.

Why this shape: a link in a busy chat channel brings thousands of readers to one page, while
the page changes only when stock, needs or shifts do. Rendering it costs milliseconds; sending
kept bytes costs microseconds. The cache lives in each process's memory, so a laptop point needs
no extra service (no Redis, no shared cache), and every process checks one number that every
stock posting changes, so no process shows old stock for long:

- A kept page younger than FRESH_SECONDS (1 s) is sent as it is: no query at all.
- Older, it is sent only if the ledger has not moved since it was built: one indexed query
  (the newest movement's id, which every posting, hand-out, transfer or reversal advances).
- Whatever the ledger says, a page is rebuilt once it is MAX_AGE_SECONDS (10 s) old: shifts,
  sign-ups, requests, households, a coordinator's pins and the free beds in shelters (a
  placement writes no movement) reach the page within that time, and
  so does a posting whose id was taken before a newer one's but committed after it.

The network page keeps its parts that no posting changes (points, pins, open requests,
shifts, free beds) apart, in `parts`, for MAX_AGE_SECONDS from when each was read: a rebuild
after a posting reads stock alone. Such a page is as old as its oldest part (the view hands
that moment to cache_page), so it is rebuilt, and that part read again, in time.

So stock on a public page is at most FRESH_SECONDS behind the ledger and everything else at
most MAX_AGE_SECONDS, on every process; a process rebuilds a busy page at most once a second
however fast desks post. While one thread rebuilds a page, the others of its process send the
kept one (a crowd arriving as a page turns old causes one build, not one each), so a visitor
may also see a page as old as one rebuild takes.

Pages are kept per scheme, host and path (the query string is ignored: these pages read
none), only when the view marked them cacheable and they carry no cookie. The headers of the
full response (security headers, ETag, Cache-Control) are kept with the bytes, and a
conditional GET is answered with a 304 from memory.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response

FRESH_SECONDS = 1.0
MAX_AGE_SECONDS = 10.0
STALE_SECONDS = 120.0  # the most a kept page is sent while another thread rebuilds it
MAX_PAGES = 2000  # per process: 50 points x 3 languages x 4 pages and the network's pages fit
MARK = "_kamavor_public_cache"
READ_AT = "_kamavor_public_read_at"

# Replaced by tests that move time forward; time.monotonic is immune to clock changes.
clock: Callable[[], float] = time.monotonic


def cache_page(response: HttpResponse, *, read_at: float | None = None) -> HttpResponse:
    """Mark a response as the same for every visitor, so the cache may keep it. read_at: when
    the oldest kept part it was built from was read (see Parts); the page's age counts from
    then, so that a page built from kept parts is no older than MAX_AGE_SECONDS either."""
    setattr(response, MARK, True)
    if read_at is not None:
        setattr(response, READ_AT, read_at)
    return response


def ledger_version() -> int | None:
    """The newest movement's id: one primary-key lookup on SQLite and PostgreSQL alike. None
    when the database cannot say (then nothing is served from memory)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT MAX(id) FROM stock_movement")
            return cursor.fetchone()[0] or 0
    except DatabaseError:
        return None


@dataclass
class Page:
    """A kept page: its bytes and headers, when it was built and the ledger it was built from."""

    content: bytes
    headers: list[tuple[str, str]]
    etag: str
    built: float
    checked: float
    version: int

    def response(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(self.content)
        for name, value in self.headers:
            response.headers[name] = value
        return get_conditional_response(request, etag=self.etag, response=response)


class Store:
    """The pages one process keeps, least recently built dropped first past MAX_PAGES."""

    def __init__(self) -> None:
        self.pages: OrderedDict[tuple, Page] = OrderedDict()
        self.building: set[tuple] = set()
        self.lock = threading.Lock()

    def claim(self, key: tuple) -> bool:
        """Whether this thread is the one to rebuild the page (no other thread is at it)."""
        with self.lock:
            if key in self.building:
                return False
            self.building.add(key)
            return True

    def release(self, key: tuple) -> None:
        with self.lock:
            self.building.discard(key)

    def get(self, key: tuple) -> Page | None:
        return self.pages.get(key)

    def put(self, key: tuple, page: Page) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > MAX_PAGES:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.building.clear()


store = Store()


class Parts:
    """Parts of a page that no stock posting changes (the network page's points, pins, open
    requests, shifts and free beds), kept by one process for at most MAX_AGE_SECONDS from when
    they were read. A page rebuilt after a posting reads stock again and takes the rest from
    here; it is stamped with its oldest part's reading time (cache_page's read_at), so it is
    rebuilt, and the part read again, once that part is MAX_AGE_SECONDS old: nothing on the
    page is older than the table in docs/public-pages.md says, however often stock moves."""

    def __init__(self) -> None:
        self.kept: dict[tuple, tuple[float, object]] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple, read: Callable[[], object]) -> tuple[object, float]:
        """The kept part and when it was read; read now (and kept) when there is none younger
        than MAX_AGE_SECONDS. Two threads may read the same part at once: both are right."""
        now = clock()
        found = self.kept.get(key)
        if found is not None and now - found[0] < MAX_AGE_SECONDS:
            return found[1], found[0]
        value = read()
        with self.lock:
            self.kept[key] = (now, value)
            if len(self.kept) > MAX_PAGES:
                self.kept = {k: v for k, v in self.kept.items() if now - v[0] < MAX_AGE_SECONDS}
        return value, now

    def clear(self) -> None:
        with self.lock:
            self.kept.clear()


parts = Parts()


# The paths of the kept pages: /hy/, /hy/<point>/, /hy/<point>/poster/, /hy/<point>/needs.txt,
# an organisation's public accounts /hy/funds/<organisation>/
# (not the shifts board or a volunteer's private link). Any other request passes untouched.
_LANGS = "|".join(code for code, _name in settings.LANGUAGES)
KEPT_PATHS = re.compile(
    rf"^/(?:{_LANGS})/(?:(?!shifts/|v/)[-\w]+/(?:poster/|needs\.txt)?|funds/[-\w]+/)?$"
)


def _key(request: HttpRequest) -> tuple | None:
    if request.method not in ("GET", "HEAD") or not KEPT_PATHS.match(request.path):
        return None
    host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
    return (request.is_secure(), host, request.path)


def _keepable(response: HttpResponse) -> bool:
    return (
        getattr(response, MARK, False)
        and response.status_code == 200
        and not response.cookies
        and not response.streaming
        and "Cookie" not in response.headers.get("Vary", "")
        and "ETag" in response.headers
    )


class PublicPageCacheMiddleware:
    """Answer the public pages from the process's memory (see the module's docstring). First in
    MIDDLEWARE: a kept page skips sessions, authentication and CSRF, which public pages do not
    use; the headers the other middleware added when it was built are sent with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = _key(request)
        if key is None:
            return self.get_response(request)
        now = clock()
        page = store.get(key)
        if page is not None and now - page.built < MAX_AGE_SECONDS:
            if now - page.checked < FRESH_SECONDS:
                return page.response(request)
            version = ledger_version()
            if version is not None and version == page.version:
                page.checked = now
                return page.response(request)
        else:
            # Read before the page is built: a posting made while it renders makes it old.
            version = ledger_version()
        claimed = store.claim(key)
        if not claimed and page is not None and now - page.built < STALE_SECONDS:
            return page.response(request)  # another thread is rebuilding it
        try:
            return self._build(request, key, now, version)
        finally:
            if claimed:
                store.release(key)

    def _build(
        self, request: HttpRequest, key: tuple, now: float, version: int | None
    ) -> HttpResponse:
        # Built whole even for a conditional GET, so that a phone asking "changed?" fills the
        # cache too; the 304 is then made from the kept page.
        conditional = {
            name: request.META.pop(name)
            for name in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
            if name in request.META
        }
        response = self.get_response(request)
        request.META.update(conditional)
        if version is None or not _keepable(response):
            return response
        # A page built from kept parts is as old as the oldest of them (Parts).
        built = min(now, getattr(response, READ_AT, now))
        page = Page(
            response.content, list(response.items()), response.headers["ETag"], built, now, version
        )
        store.put(key, page)
        return page.response(request) if conditional else response
