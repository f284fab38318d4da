"""The sandbox: simulations of the vendors' APIs that run on this machine.

Each vendor module (:mod:`.celantur`, :mod:`.blurit`, :mod:`.anesya`) is an aiohttp server
on 127.0.0.1 that speaks that vendor's API as docs/vendors.md describes it (auth rules,
error shapes, status progressions) and sends its webhooks with the vendor's headers and
bodies. ``submit --sandbox`` and the Submit dialog's sandbox choice run the product's real
API client against one of them (:mod:`.runner`); the test suite uses the same servers as
its stand-ins for the vendors.
"""
