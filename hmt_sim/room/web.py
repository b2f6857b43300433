"""The seat server's ASGI app (Starlette): pages, QR codes and one websocket per device.

Who may do what is decided here, once per request: a token opens one role (a seat, the red
cell or the facilitator) and nothing else; a websocket from a page of another origin is
refused; every page is served with a strict Content-Security-Policy (this server's own script
and style only: no third-party assets, no network fetches) and without referrers or caching.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from hmt_sim.i18n import _, language
from hmt_sim.room import protocol
from hmt_sim.room.core import Room
from hmt_sim.room.keys import FACILITATOR, RED
from hmt_sim.room.labels import labels
from hmt_sim.room.qr import svg

SEND_EVERY_S = 0.1
"""How often a connection looks for a newer view to send."""
REPLY_TIMEOUT_S = 15.0
MAX_CONNECTIONS = 6
"""Open connections one token may hold at once (a phone and a laptop, reconnects overlapping)."""
STATIC = {"room.js": "text/javascript", "room.css": "text/css"}
HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _csp(host: str) -> str:
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' ws://{host} wss://{host}; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'")


def _static(name: str) -> str:
    return resources.files("hmt_sim.room").joinpath("static", name).read_text("utf-8")


def _json_block(obj: Any) -> str:
    """JSON safe inside a <script type="application/json"> element."""
    return (json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))


def _page(request: Request, title: str, config: dict[str, Any], status: int = 200
          ) -> HTMLResponse:
    html = (_static("room.html").replace("{{lang}}", language())
            .replace("{{title}}", _escape(title))
            .replace("{{config}}", _json_block({**config, "labels": labels()})))
    return HTMLResponse(html, status_code=status, headers={
        **HEADERS, "Content-Security-Policy": _csp(request.headers.get("host", ""))})


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _refused(request: Request, message: str, status: int = 403) -> HTMLResponse:
    return _page(request, _("Not allowed"), {"role": "refused", "message": message}, status)


def _who(request: Request | WebSocket) -> str | None:
    """The role a path names: ``seat/N``, ``red`` or ``facilitator``."""
    path = request.url.path.removeprefix("/ws")
    if path == "/facilitator":
        return FACILITATOR
    if path == "/red":
        return RED
    if path.startswith("/seat/") and path[6:].isdigit() and len(path) < 16:
        return f"seat/{int(path[6:])}"
    return None


def build_app(room: Room, allowed_hosts: set[str] | None = None) -> Starlette:
    """The app serving ``room``. ``allowed_hosts`` (names without port) guards against DNS
    rebinding: a request naming another host is refused; None allows any."""

    limits: dict[str, protocol.RateLimit] = {}  # per seat, shared by its connections

    def host_ok(host_header: str) -> bool:
        if allowed_hosts is None:
            return True
        host = urlsplit(f"//{host_header}").hostname or ""
        return host in allowed_hosts

    def token_ok(who: str | None, token: str | None) -> bool:
        return who is not None and room.keys.role_of(who, token)

    async def index(request: Request) -> Response:
        return _page(request, _("hmt-sim room"), {"role": "index", "message": _(
            "This is a tabletop exercise room. Open the link or scan the QR code your "
            "facilitator gave you.")})

    async def page(request: Request) -> Response:
        who = _who(request)
        if not host_ok(request.headers.get("host", "")):
            return _refused(request, _("This address is not served here."), 421)
        if not token_ok(who, request.query_params.get("t")):
            return _refused(request, _("This link is not valid (wrong or old token). Ask "
                                       "the facilitator for your seat's link."))
        assert who is not None
        if who == FACILITATOR:
            title = _("Facilitator")
        elif who == RED:
            title = _("Red cell")
        else:
            title = _("Seat {n}").format(n=who.split("/")[1])
        return _page(request, title, {"role": who.split("/")[0], "who": who,
                                      "seat": int(who.split("/")[1]) if "/" in who else 0,
                                      "map": room.map, "steps": list(protocol.RED_STEPS),
                                      "speeds": list(protocol.SPEEDS)})

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return Response("not found", status_code=404, headers=HEADERS)
        return Response(_static(name), media_type=STATIC[name], headers=HEADERS)

    async def qr(request: Request) -> Response:
        if not token_ok(FACILITATOR, request.query_params.get("t")):
            return Response("not allowed", status_code=403, headers=HEADERS)
        who = request.path_params["who"].removesuffix(".svg").replace("-", "/")
        if who != RED and not (who.startswith("seat/") and who[5:].isdigit()
                               and int(who[5:]) in room.keys.seats):
            return Response("no such seat", status_code=404, headers=HEADERS)
        if who == RED and not room.red:
            return Response("no red cell", status_code=404, headers=HEADERS)
        return Response(svg(room.link(who)), media_type="image/svg+xml", headers=HEADERS)

    async def socket(ws: WebSocket) -> None:
        who = _who(ws)
        host = ws.headers.get("host", "")
        origin = ws.headers.get("origin")
        if not host_ok(host) or (origin is not None and urlsplit(origin).netloc != host):
            await ws.close(code=4403)  # before accept: the browser gets HTTP 403
            return
        token = ws.query_params.get("t")
        await ws.accept()
        if who is None or not token_ok(who, token):
            await _send(ws, {"kind": "refused", "message": _(
                "This link is not valid (wrong or old token). Ask the facilitator for your "
                "seat's link.")})
            await ws.close(code=4403)
            return
        if room.connections(who) >= MAX_CONNECTIONS:
            await _send(ws, {"kind": "refused", "message": _(
                "This seat is already open on too many devices; close it on one of them.")})
            await ws.close(code=4429)
            return
        await _session(room, ws, who, token or "", limits.setdefault(who, protocol.RateLimit()))

    return Starlette(routes=[
        Route("/", index),
        Route("/seat/{n:int}", page),
        Route("/red", page),
        Route("/facilitator", page),
        Route("/static/{name}", static),
        Route("/qr/{who}", qr),
        WebSocketRoute("/ws/seat/{n:int}", socket),
        WebSocketRoute("/ws/red", socket),
        WebSocketRoute("/ws/facilitator", socket),
    ])


async def _send(ws: WebSocket, obj: dict[str, Any], lock: asyncio.Lock | None = None) -> None:
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    if lock is None:
        await ws.send_text(text)
        return
    async with lock:
        await ws.send_text(text)


async def _session(room: Room, ws: WebSocket, who: str, token: str,
                   limit: protocol.RateLimit) -> None:
    """One device's connection: views out as they change, checked inputs in, replies back.
    ``limit`` is the seat's rate limit, shared by all its connections."""
    role = who.split("/")[0]
    lock = asyncio.Lock()
    room.connected(who, +1)

    async def push() -> None:
        sent, version = "", -1
        while True:
            if not room.keys.role_of(who, token):
                await _send(ws, {"kind": "refused", "message": _(
                    "This seat was given a new link by the facilitator; this one no longer "
                    "works.")}, lock)
                await ws.close(code=4403)
                return
            latest = room.version  # read before the view: a newer view is sent next time
            view = None if latest == version else room.view(who)
            version = latest
            if view is not None:
                text = json.dumps({"kind": "state", **view}, ensure_ascii=False)
                if text != sent:
                    async with lock:
                        await ws.send_text(text)
                    sent = text
            await asyncio.sleep(SEND_EVERY_S)

    async def pull() -> None:
        while True:
            raw = await ws.receive()
            if raw["type"] == "websocket.disconnect":
                return
            data = raw.get("text") if raw.get("text") is not None else raw.get("bytes")
            if not limit.allow():
                await _send(ws, {"kind": "error", "retry": True, "message": _(
                    "Too many messages at once; it will be sent again in a moment.")}, lock)
                continue
            try:
                msg = protocol.parse(role, data or "")
            except protocol.BadMessage as error:
                await _send(ws, {"kind": "error", "message": str(error)}, lock)
                continue
            try:
                reply = await asyncio.wait_for(asyncio.wrap_future(room.submit(who, msg)),
                                               REPLY_TIMEOUT_S)
            except TimeoutError:
                reply = {"kind": "error", "retry": True, "message": _(
                    "The room did not answer in time; it will be sent again.")}
                if "id" in msg:
                    reply["id"] = msg["id"]
            if msg["kind"] == "reassign" and reply.get("kind") == "done":
                reply["link"] = room.link(f"seat/{msg['seat']}")
            await _send(ws, reply, lock)

    tasks = [asyncio.ensure_future(push()), asyncio.ensure_future(pull())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        room.connected(who, -1)
