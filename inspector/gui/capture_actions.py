"""The actions on selected captures: replay, edit and replay, compare, pin, copy as, and
new endpoint from capture."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMainWindow

from inspector.core.capture import Capture
from inspector.core.endpoints import Endpoint, draft_from_capture
from inspector.core.snippets import SnippetKind, snippet
from inspector.core.store import CaptureStore, ReplayRecord
from inspector.core.words import plural
from inspector.gui.detail import DetailPane
from inspector.gui.dialogs import DiffDialog, EditReplayDialog, Resigner
from inspector.gui.loop_tasks import LoopTasks
from inspector.gui.message_log import Level, say
from inspector.gui.services import AppServices
from inspector.gui.widgets import make_action

#: Replay and Pin act on each selected capture, read one by one on the UI thread (and
#: Replay sends each): more than this many selected (Ctrl+A on a big history) are refused
#: with a message instead of freezing the window or flooding the listener.
PER_CAPTURE_AT_MOST = 1000

SNIPPET_LABELS: tuple[tuple[SnippetKind, str], ...] = (
    ("curl", "cURL"),
    ("httpie", "HTTPie"),
    ("requests", "Python requests"),
    ("aiohttp", "Python aiohttp"),
)


class CaptureActions(QObject):
    """The actions, enabled for what is selected, and what they do.

    ``selected`` gives the selected captures (without bodies), top to bottom; results and
    refusals are told in the window's status bar.
    """

    def __init__(
        self,
        window: QMainWindow,
        store: CaptureStore,
        services: AppServices,
        detail: DetailPane,
        selected: Callable[[], list[Capture]],
        tasks: LoopTasks,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self.services = services
        self.detail = detail
        self.selected = selected
        self.tasks = tasks
        #: how many rows are selected (told by update_enabled)
        self.selected_count = 0
        self.edit_dialog: EditReplayDialog | None = None
        self.diff_dialog: DiffDialog | None = None

        self.replay_action = make_action(
            window,
            "Replay",
            self.replay_selected,
            "Ctrl+R",
            "Send the selected capture again to the listener",
        )
        self.edit_replay_action = make_action(
            window,
            "Edit and replay…",
            self.edit_and_replay,
            "Ctrl+E",
            "Change the request, then send it",
        )
        self.pin_action = make_action(
            window,
            "Pin / unpin",
            self.toggle_pin,
            "Ctrl+P",
            "Pinned captures are kept when the store's size cap removes the oldest",
        )
        self.compare_action = make_action(
            window,
            "Compare",
            self.compare_selected,
            "Ctrl+D",
            "Diff the bodies and headers of two captures",
        )
        self.copy_actions = {
            kind: make_action(window, f"Copy as {label}", lambda _=False, k=kind: self.copy_as(k))
            for kind, label in SNIPPET_LABELS
        }
        # One choice for copies and exports, remembered in settings.json: a copied
        # command that fails validation and an export that leaks tokens were two
        # answers to the same question.
        self.reveal_action = QAction("Include secrets in copies and exports", window)
        self.reveal_action.setCheckable(True)
        self.reveal_action.setChecked(services.settings.reveal_secrets)
        self.reveal_action.setToolTip(
            "On: tokens and signatures are copied and exported as received (a copied "
            "command then validates). Off: they are masked."
        )
        self.reveal_action.setStatusTip(self.reveal_action.toolTip())
        self.reveal_action.toggled.connect(self._on_reveal_toggled)
        self.new_endpoint_action = make_action(
            window,
            "New endpoint from capture…",
            self.new_endpoint_from_selected,
            tip="An endpoint for this path, with the vendor and the token this request carried",
        )
        #: opens the endpoint dialog on a draft (the window sets it: the Endpoints panel)
        self.open_endpoint_draft: Callable[[Endpoint], None] | None = None

    def context_actions(self) -> list[QAction]:
        """The actions offered on the capture list's context menu, in order."""
        return [
            self.replay_action,
            self.edit_replay_action,
            self.compare_action,
            self.pin_action,
            self.new_endpoint_action,
            *self.copy_actions.values(),
        ]

    def reveal_secrets(self) -> bool:
        """Whether copies and exports keep the secrets (the user's remembered choice)."""
        return self.reveal_action.isChecked()

    def _on_reveal_toggled(self, reveal: bool) -> None:
        settings = self.services.settings
        settings.reveal_secrets = reveal
        try:
            settings.save(self.services.data_dir)
        except OSError as exc:
            self._say(f"Could not remember the choice: {exc}", 8000)
            return
        self._say(
            "Copies and exports now include secrets"
            if reveal
            else "Copies and exports now mask secrets",
            5000,
        )

    def update_enabled(self, selected: int) -> None:
        """Enable what applies to ``selected`` captures."""
        self.selected_count = selected
        self.replay_action.setEnabled(selected >= 1)
        self.pin_action.setEnabled(selected >= 1)
        self.edit_replay_action.setEnabled(selected == 1)
        self.compare_action.setEnabled(selected == 2)
        self.new_endpoint_action.setEnabled(selected == 1)
        for action in self.copy_actions.values():
            action.setEnabled(selected == 1)

    def _say(self, message: str, ms: int | None = None, level: Level = "info") -> None:
        say(self.window, message, ms, level)

    def _one_selected(self) -> Capture | None:
        """The selected capture with its body, when exactly one is selected."""
        selected = self.selected()
        if len(selected) != 1:
            return None
        return self.store.get(selected[0].id)

    # -- the actions ----------------------------------------------------------------------
    def _too_many(self, doing: str) -> bool:
        """Says so when more captures are selected than :data:`PER_CAPTURE_AT_MOST`."""
        if self.selected_count <= PER_CAPTURE_AT_MOST:
            return False
        self._say(
            f"{doing} works on at most {PER_CAPTURE_AT_MOST:,} captures at a time "
            f"({self.selected_count:,} are selected)",
            8000,
            "warning",
        )
        return True

    def toggle_pin(self) -> None:
        if self._too_many("Pin / unpin"):
            return
        selected = self.selected()
        if not selected:
            return
        pin = not all(c.pinned for c in selected)
        self.store.set_pinned([c.id for c in selected], pin)
        verb = "Pinned" if pin else "Unpinned"
        self._say(f"{verb} {plural(len(selected), 'capture')}", 5000)

    def replay_selected(self) -> None:
        if self._too_many("Replay"):
            return
        for summary in self.selected():
            capture = self.store.get(summary.id)
            if capture is None:
                continue
            if capture.truncated:
                self._say(f"#{capture.seq} was truncated (over the body limit): not replayed", 8000)
                continue
            self.tasks.spawn(self._replay_and_report(capture), "replay")

    async def _replay_and_report(self, capture: Capture) -> ReplayRecord:
        record = await self.services.replay(capture, None)
        if record.error:
            self._say(f"Replay of #{capture.seq} failed: {record.error}", level="error")
        else:
            self._say(
                f"Replayed #{capture.seq}: {record.status} in {record.latency_ms or 0:.0f} ms", 8000
            )
        if self.detail.capture is not None and self.detail.capture.id == capture.id:
            self.detail.show_replays(self.store.replays_of(capture.id))
        return record

    def edit_and_replay(self) -> EditReplayDialog | None:
        capture = self._one_selected()
        if capture is None:
            return None
        resign: Resigner | None = self.services.resigner_for(capture)
        dialog = EditReplayDialog(
            capture,
            self.services.local_url,
            self.services.replay,
            resign=resign,
            parent=self.window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.edit_dialog = dialog
        return dialog

    def compare_selected(self) -> DiffDialog | None:
        selected = self.selected()
        if len(selected) != 2:
            self._say("Select exactly two captures to compare", 5000)
            return None
        older, newer = sorted(selected, key=lambda c: c.seq)
        a, b = self.store.get(older.id), self.store.get(newer.id)
        if a is None or b is None:
            return None
        dialog = DiffDialog(a, b, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.diff_dialog = dialog
        return dialog

    def new_endpoint_from_selected(self) -> Endpoint | None:
        """Open the endpoint dialog filled in from the selected capture (saved on OK)."""
        capture = self._one_selected()
        if capture is None or self.open_endpoint_draft is None:
            return None
        try:
            draft = draft_from_capture(capture)
        except ValueError as exc:
            self._say(f"#{capture.seq}: no endpoint can be made for this path ({exc})", 8000)
            return None
        self.open_endpoint_draft(draft)
        return draft

    def copy_as(self, kind: SnippetKind) -> str | None:
        capture = self._one_selected()
        if capture is None:
            return None
        reveal = self.reveal_action.isChecked()
        text = snippet(capture, kind, reveal=reveal)
        QGuiApplication.clipboard().setText(text)
        masked = " (secrets included)" if reveal else " (secrets masked)"
        self._say(f"Copied #{capture.seq} as {kind}{masked}", 5000)
        return text
