"""Every installed app's contributions (core.plug) load, and the registry knows no app by name."""

from pathlib import Path

from django.apps import apps

from gridguard.core import plug


def test_every_app_with_a_plug_module_contributed():
    ours = [a for a in apps.get_app_configs() if a.name.startswith("gridguard.")]
    with_plug = {a.label for a in ours if (Path(a.path) / "plug.py").exists()}
    assert {"accounts", "grids", "people", "imports", "control"} <= with_plug
    declared_by = {p.app for p in plug.registry.permissions.values()}
    assert with_plug - {"core"} <= declared_by | {s.app for s in plug.registry.demo_steps} | {
        s.app for s in plug.registry.person_sections
    }
    for code, perm in plug.registry.permissions.items():
        assert code.startswith(perm.app + ".") and str(perm.label)


def test_the_registry_imports_no_app():
    source = Path(plug.__file__).read_text(encoding="utf-8")
    for app in apps.get_app_configs():
        if app.name.startswith("gridguard.") and app.label != "core":
            assert app.name not in source
