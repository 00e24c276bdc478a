"""Each capability adds its demo through core.plug; the demo app runs the steps in their order."""

import pytest

from gridguard.core import plug
from gridguard.demo.services import generate_demo, run_demo_steps

pytestmark = pytest.mark.django_db


def test_every_registered_step_runs_in_order_with_the_demo_logins(monkeypatch):
    seen = []
    steps = [
        plug.DemoStep(order=200, label="后", run=lambda ctx: seen.append(("后", ctx.seed)), app="b"),
        plug.DemoStep(order=5, label="先", run=lambda ctx: seen.append(("先", ctx.admin.username)), app="a"),
    ]
    monkeypatch.setattr(plug.registry, "demo_steps", sorted(steps, key=lambda s: (s.order, s.app)))
    generate_demo(persons=300, seed=9)
    assert seen == [("先", "admin"), ("后", 9)]


def test_control_contributes_its_step():
    assert "重点人员管控" in [s.label for s in plug.registry.demo_steps]


def test_without_logins_the_steps_have_no_actor(monkeypatch):
    got = []
    monkeypatch.setattr(plug.registry, "demo_steps", [
        plug.DemoStep(order=1, label="x", run=lambda ctx: got.append(ctx.admin), app="x")
    ])
    generate_demo(persons=100, seed=1, users=False)
    assert got == []  # not even run: steps act through services, which need an actor
    assert run_demo_steps(seed=1, out=print) == ["x"] and got == [None]
