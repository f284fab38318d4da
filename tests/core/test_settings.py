"""Settings: defaults, round trip, tolerance of bad files, unknown keys kept, atomic saves."""

from __future__ import annotations

import json
from pathlib import Path

from inspector.core.settings import DEFAULT_BODY_LIMIT, SETTINGS_FILENAME, Settings


def test_defaults_when_no_file(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    assert settings.listen_port == 8765
    assert settings.body_limit == 25 * 1024 * 1024 == DEFAULT_BODY_LIMIT
    assert settings.ngrok_path is None
    assert settings.ngrok_region is None
    assert settings.ngrok_domain is None
    assert settings.custom_public_url is None
    assert settings.tunnel_autostart is True
    assert settings.problems == []


def test_round_trip(tmp_path: Path) -> None:
    saved = Settings(
        listen_port=9000,
        body_limit=1024,
        ngrok_path="/usr/local/bin/ngrok",
        ngrok_region="eu",
        ngrok_domain="hooks.ngrok.app",
        custom_public_url="https://hooks.example.com",
        tunnel_autostart=False,
    )
    saved.save(tmp_path)
    assert Settings.load(tmp_path) == saved


def test_unknown_keys_survive_a_save(tmp_path: Path) -> None:
    path = tmp_path / SETTINGS_FILENAME
    path.write_text(json.dumps({"listen_port": 9100, "theme": "dark", "future": {"a": [1, 2]}}))

    settings = Settings.load(tmp_path)
    settings.ngrok_region = "us"
    settings.save(tmp_path)

    data = json.loads(path.read_text())
    assert data["theme"] == "dark"
    assert data["future"] == {"a": [1, 2]}
    assert data["listen_port"] == 9100
    assert data["ngrok_region"] == "us"
    assert "extra" not in data and "problems" not in data


def test_values_of_the_wrong_type_fall_back_to_defaults(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILENAME).write_text(
        json.dumps(
            {
                "listen_port": True,  # a bool is not a port
                "body_limit": "big",
                "tunnel_autostart": 0,
                "ngrok_path": 42,
                "ngrok_region": "ap",
            }
        )
    )
    settings = Settings.load(tmp_path)
    assert settings.listen_port == 8765
    assert settings.body_limit == DEFAULT_BODY_LIMIT
    assert settings.tunnel_autostart is True
    assert settings.ngrok_path is None
    assert settings.ngrok_region == "ap"
    assert len(settings.problems) == 4
    assert any("'listen_port'" in p for p in settings.problems)


def test_out_of_range_values_fall_back(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILENAME).write_text(json.dumps({"listen_port": 70000, "body_limit": 0}))
    settings = Settings.load(tmp_path)
    assert (settings.listen_port, settings.body_limit) == (8765, DEFAULT_BODY_LIMIT)
    assert len(settings.problems) == 2
    assert Settings(listen_port=-1).validate() == ["setting 'listen_port' must be 0-65535, not -1"]


def test_corrupt_file_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / SETTINGS_FILENAME
    path.write_text("{not json")

    settings = Settings.load(tmp_path)

    assert settings == Settings()
    assert settings.problems and "not valid JSON" in settings.problems[0]
    assert (tmp_path / (SETTINGS_FILENAME + ".corrupt")).read_text() == "{not json"
    assert not path.exists()


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    Settings(listen_port=1).save(tmp_path)
    Settings(listen_port=2).save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [SETTINGS_FILENAME]
    assert json.loads((tmp_path / SETTINGS_FILENAME).read_text())["listen_port"] == 2


def test_save_creates_the_data_dir(tmp_path: Path) -> None:
    Settings().save(tmp_path / "new" / "dir")
    assert Settings.load(tmp_path / "new" / "dir") == Settings()
