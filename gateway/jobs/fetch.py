"""A job's media fetched from the URL its caller gave: http(s) only, checked addresses only
(`outbound.py`), redirects followed a few times (each checked again), and no more than the caller's
tier may upload, counted as it arrives."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpcore

from gateway.jobs.outbound import AddressRefusedError, check_url

_REDIRECTS = (301, 302, 303, 307, 308)
_MAX_REDIRECTS = 5
_USER_AGENT = b"speech-platform-fetch/1"


class FetchError(RuntimeError):
    """The media could not be fetched: the message says why, for the caller."""


def _name_in(url: str) -> str:
    """The file name a URL's path ends with (used in messages and exports), or empty."""
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])[:255]


async def _get_one(
    pool: httpcore.AsyncConnectionPool, url: str, destination: Path, max_bytes: int, timeout_s: float
) -> str | None:
    """Downloads `url` into `destination`; the redirect's target instead when it answers one."""
    check_url(url)
    timeouts = {"connect": timeout_s, "read": timeout_s, "write": timeout_s, "pool": timeout_s}
    headers = [(b"User-Agent", _USER_AGENT), (b"Accept", b"*/*")]
    async with pool.stream("GET", url, headers=headers, extensions={"timeout": timeouts}) as response:
        if response.status in _REDIRECTS:
            location = dict((k.lower(), v) for k, v in response.headers).get(b"location")
            if not location:
                raise FetchError(f"the URL answered {response.status} without a Location")
            return urljoin(url, location.decode("latin-1"))
        if response.status != 200:
            raise FetchError(f"the URL answered HTTP {response.status}")
        declared = dict((k.lower(), v) for k, v in response.headers).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"the file at the URL is {int(declared)} bytes; the limit is {max_bytes}")
        received = 0
        with destination.open("wb") as sink:
            async for chunk in response.aiter_stream():
                received += len(chunk)
                if received > max_bytes:
                    raise FetchError(f"the file at the URL is over the limit of {max_bytes} bytes")
                await asyncio.to_thread(sink.write, chunk)
    if received == 0:
        raise FetchError("the URL answered an empty file")
    return None


async def fetch_media(
    pool: httpcore.AsyncConnectionPool, url: str, destination: Path, max_bytes: int, timeout_s: float
) -> str:
    """Fetches the media at `url` into `destination`; its file name. FetchError says what went wrong."""
    try:
        async with asyncio.timeout(timeout_s):
            for _ in range(_MAX_REDIRECTS + 1):
                target = await _get_one(pool, url, destination, max_bytes, timeout_s)
                if target is None:
                    return _name_in(url)
                url = target
    except TimeoutError as exc:
        raise FetchError(f"fetching the URL took over {timeout_s:.0f} s") from exc
    except AddressRefusedError as exc:
        raise FetchError(str(exc)) from exc
    except httpcore.ConnectError as exc:
        raise FetchError(f"cannot connect: {exc}") from exc
    except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError) as exc:
        raise FetchError(f"the transfer failed: {type(exc).__name__}") from exc
    raise FetchError(f"more than {_MAX_REDIRECTS} redirects")
