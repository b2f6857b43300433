"""The room: participants in their own seats on their own devices (``hmt-sim serve``).

One authoritative ``Session`` runs on the facilitator's machine. A small web server (Starlette on
uvicorn) gives every seat a page reached by an unguessable link; a seat sees only its own cards
and the operator picture, never the truth. Every input goes through the session's input methods
in the one thread that owns the clock, and is appended to the session file as it arrives, so
replay and resume stay exact.

The modules, each one concept: ``keys`` (seat and facilitator tokens, kept beside the session
file), ``views`` (what each role may see), ``protocol`` (what each role may send: kinds, sizes,
rates), ``core`` (the room: input queue, clock, published views), ``web`` (the ASGI app),
``server`` (binding and running uvicorn), ``qr`` (join links as QR codes). Nothing here imports
pygame; the visualiser attaches to a ``Room`` as its clock owner (``hmt-sim play --serve``).
"""
