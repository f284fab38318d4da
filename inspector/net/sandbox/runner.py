"""Run a test task against a vendor's simulated API: ``submit --sandbox`` and the Submit
dialog's "Sandbox (simulated vendor)".

The product's own API client (:mod:`inspector.net.vendors`) talks to the simulation as it
would to the vendor, with the simulation's credentials; the simulation delivers its
webhooks to our listener's local URL. Everything that comes of it is labelled simulated:

* each webhook carries our marker ``X-Inspector-Source: sandbox`` with the run token
  (``X-Inspector-Token``), so the listener stores it as ``source: "simulate"`` with
  :data:`inspector.core.origin.SANDBOX_NOTE` (the marker rule of docs/security.md: only a
  local request with the run token can be marked, so no remote sender can forge it, and
  both headers are taken out, so the capture holds the vendor's headers alone);
* the task is stored with ``sandbox: true``.

A vendor's simulation knows the endpoint's token before the first webhook: the one a
dashboard (Anesya) or a registration (BlurIt) would hold is the endpoint's own, so the
real endpoint's token is never replaced by a simulated one. Only an endpoint without a
token (a new BlurIt one) gets the token the simulated registration hands out, as the real
API's would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inspector.core.endpoints import Endpoint
from inspector.core.origin import SANDBOX_SOURCE, own_markers
from inspector.net.sandbox.anesya import AnesyaSim
from inspector.net.sandbox.blurit import BlurItSim
from inspector.net.sandbox.celantur import CelanturSim
from inspector.net.sandbox.common import SimServer
from inspector.net.vendors import SubmitRequest

#: Seconds between two status changes of a simulated task: a whole timeline in a few
#: seconds (the real vendors take minutes).
STEP_S = 0.5

_CELANTUR_USER = ("sandbox@example.com", "sandbox-password")
_BLURIT_CLIENT = ("sandbox-client", "sandbox-secret")
_ANESYA_KEY = "sandbox-api-key"
#: Anesya's dashboard webhooks the simulation calls: one per event type, as there.
_ANESYA_EVENTS = ("extract.completed", "extract.failed")


@dataclass(frozen=True, slots=True)
class SimSpec:
    """How to run one vendor's simulation: build it, its credentials, and what the
    vendor's dashboard would hold for our endpoint before the first task."""

    make: Callable[[float], SimServer[Any]]
    credentials: dict[str, str]
    prepare: Callable[[Any, str, Endpoint], None]


def _celantur(step_s: float) -> SimServer[Any]:
    return CelanturSim(users=dict([_CELANTUR_USER]), step_delay=step_s)


def _no_dashboard(_sim: Any, _url: str, _endpoint: Endpoint) -> None:
    """Celantur takes the webhook URL with each task: nothing to set up."""


def _blurit_registration(sim: BlurItSim, url: str, endpoint: Endpoint) -> None:
    """BlurIt's client registers the URL itself; an endpoint that already has a token
    finds it registered with that token (unchanged), one without gets BlurIt's."""
    for uid in [u for u, hook in sim.webhooks.items() if hook.url == url]:
        del sim.webhooks[uid]
    if endpoint.token:
        sim.add_webhook(url, _BLURIT_CLIENT[0], token=endpoint.token)


def _anesya_dashboard(sim: AnesyaSim, url: str, endpoint: Endpoint) -> None:
    """What the user would enter in Anesya's dashboard: our URL and the endpoint's token."""
    for hook_id in [i for i, hook in sim.webhooks.items() if hook.url == url]:
        del sim.webhooks[hook_id]
    for event in _ANESYA_EVENTS:
        sim.add_webhook(url, event, endpoint.token)


_CELANTUR = SimSpec(
    _celantur, {"username": _CELANTUR_USER[0], "password": _CELANTUR_USER[1]}, _no_dashboard
)
#: By core vendor id: the vendors the sandbox simulates.
SIMULATIONS: dict[str, SimSpec] = {
    "celantur": _CELANTUR,
    "celantur-v1": _CELANTUR,
    "blurit": SimSpec(
        lambda step_s: BlurItSim(clients=dict([_BLURIT_CLIENT]), step_delay=step_s),
        {"client_id": _BLURIT_CLIENT[0], "secret_id": _BLURIT_CLIENT[1]},
        _blurit_registration,
    ),
    "anesya": SimSpec(
        lambda step_s: AnesyaSim(api_keys=(_ANESYA_KEY,), step_delay=step_s),
        {"api_key": _ANESYA_KEY},
        _anesya_dashboard,
    ),
}


def sandbox_vendor_ids() -> list[str]:
    return list(SIMULATIONS)


class Sandbox:
    """One vendor's simulated API, running on 127.0.0.1 until :meth:`stop`."""

    def __init__(self, vendor: str, *, step_s: float = STEP_S) -> None:
        spec = SIMULATIONS.get(vendor)
        if spec is None:
            ids = ", ".join(SIMULATIONS)
            raise ValueError(f"the sandbox has no simulation of {vendor!r}; choose one of {ids}")
        self.vendor = vendor
        self.spec = spec
        self.sim = spec.make(step_s)

    @property
    def base_url(self) -> str:
        return self.sim.base_url

    @property
    def credentials(self) -> dict[str, str]:
        return dict(self.spec.credentials)

    async def start(self, run_token: str | None) -> str:
        """Serve; every webhook carries the sandbox marker for the listener whose run
        token this is. Without a token (a listener of an older version) the webhooks are
        unmarked and their captures read as live ones."""
        base = await self.sim.start()
        self.sim.extra_headers = own_markers(run_token, source=SANDBOX_SOURCE)
        return base

    def request(
        self, file_name: str, data: bytes, options: dict[str, Any], webhook: str, endpoint: Endpoint
    ) -> SubmitRequest:
        """The submission for the real API client: the simulation's base URL and
        credentials; the vendor's side is set up for ``webhook`` first."""
        self.spec.prepare(self.sim, webhook, endpoint)
        return SubmitRequest(
            vendor=self.vendor,
            file_name=file_name,
            data=data,
            webhook_url=webhook,
            credentials=self.credentials,
            api_base=self.base_url,
            options=options,
        )

    async def wait_idle(self, within: float = 60.0) -> None:
        """Until every task has reached its end and every webhook was delivered."""
        await self.sim.wait_idle(within)

    async def stop(self) -> None:
        await self.sim.stop()
