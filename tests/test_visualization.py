"""Tests of the pictures: PNG figures, training curves, GIF animations, the HTML viewer in real Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from jointformer.data.skeleton import SKELETON17
from jointformer.visualization import (
    LEFT_RGB,
    RIGHT_RGB,
    camera_to_upright,
    plot_poses,
    plot_training_curves,
    write_gif,
    write_html,
)

Image = pytest.importorskip("PIL.Image")

# A person standing with arms out, as (right, depth, up) metres around the pelvis.
_UPRIGHT_STANDING = np.array([
    (0.0, 0.0, 0.0), (-0.13, 0.0, 0.0), (-0.13, 0.02, -0.45), (-0.13, 0.05, -0.88),
    (0.13, 0.0, 0.0), (0.13, 0.02, -0.45), (0.13, 0.05, -0.88), (0.0, 0.0, 0.23), (0.0, 0.0, 0.48),
    (0.0, -0.05, 0.58), (0.0, 0.0, 0.68), (0.17, 0.0, 0.45), (0.3, 0.0, 0.2), (0.35, -0.1, 0.0),
    (-0.17, 0.0, 0.45), (-0.3, 0.0, 0.2), (-0.35, -0.1, 0.0),
])


def standing_sequence(frames: int, turn: float = 0.6) -> np.ndarray:
    """(frames, 17, 3) metres, camera frame, root-relative: the standing person turning about the vertical."""
    camera = np.stack([_UPRIGHT_STANDING[:, 0], -_UPRIGHT_STANDING[:, 2], _UPRIGHT_STANDING[:, 1]], axis=-1)
    poses = []
    for angle in np.linspace(-turn / 2, turn / 2, frames):
        cos, sin = np.cos(angle), np.sin(angle)
        rotation = np.array([[cos, 0, sin], [0, 1, 0], [-sin, 0, cos]])
        poses.append(camera @ rotation.T)
    return np.array(poses)


def project(poses_3d: np.ndarray) -> np.ndarray:
    """(N, 17, 2) pixels of a pinhole camera 5 m in front of the pelvis (y down)."""
    return poses_3d[..., :2] / (poses_3d[..., 2:] + 5.0) * 1000.0 + 500.0


def rgb(path: Path, frame: int = 0) -> np.ndarray:
    with Image.open(path) as image:
        image.seek(frame)
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def pixels_near(image: np.ndarray, colour: tuple[int, int, int], tolerance: int = 12) -> int:
    return int(np.all(np.abs(image - np.array(colour)) <= tolerance, axis=-1).sum())


def assert_nontrivial(image: np.ndarray) -> None:
    colours = np.unique(image.reshape(-1, 3), axis=0)
    assert len(colours) > 50, f"only {len(colours)} distinct colours"
    not_white = np.any(image < 240, axis=-1).mean()
    assert 0.01 < not_white < 0.9, f"{not_white:.3f} of the pixels are not background"


# ----------------------------------------------------------------------------------------------- PNG


def test_plot_poses_draws_every_panel(tmp_path: Path) -> None:
    poses = standing_sequence(2)
    path = plot_poses(tmp_path / "poses.png", poses, project(poses), np.full((2, 17), 30.0), poses + 0.02,
                      titles=["first", "second"])
    image = rgb(path)
    assert image.shape[1] > 3 * image.shape[0]  # two cells of three panels in one row
    assert_nontrivial(image)
    assert pixels_near(image, LEFT_RGB) > 100 and pixels_near(image, RIGHT_RGB) > 100


def test_plot_poses_grid_and_panel_count(tmp_path: Path) -> None:
    poses = standing_sequence(5)
    alone = rgb(plot_poses(tmp_path / "alone.png", poses[0]))
    with_input = rgb(plot_poses(tmp_path / "input.png", poses[0], project(poses[0])))
    grid = rgb(plot_poses(tmp_path / "grid.png", poses, max_columns=2))
    assert_nontrivial(alone)
    assert with_input.shape[1] > 1.8 * alone.shape[1]
    assert grid.shape[0] > 2.8 * alone.shape[0]  # 5 poses in 2 columns: 3 rows


def test_error_colouring_changes_the_picture(tmp_path: Path) -> None:
    poses = standing_sequence(1)
    errors = np.full((1, 17), 20.0)
    errors[0, 0] = 90.0  # fixes the colour scale at 0..90 mm in both pictures
    changed = errors.copy()
    changed[0, [3, 13, 16]] = 85.0
    first = rgb(plot_poses(tmp_path / "a.png", poses, errors_mm=errors))
    again = rgb(plot_poses(tmp_path / "b.png", poses, errors_mm=errors))
    second = rgb(plot_poses(tmp_path / "c.png", poses, errors_mm=changed))
    np.testing.assert_array_equal(first, again)
    assert np.any(np.abs(first - second) > 30, axis=-1).sum() > 50


def test_nan_joints_are_skipped(tmp_path: Path) -> None:
    poses = standing_sequence(2)
    poses[0, 13] = np.nan
    poses[1] = np.nan  # nothing to draw at all
    inputs = project(poses)
    errors = np.full((2, 17), 10.0)
    errors[0, 5] = np.nan
    image = rgb(plot_poses(tmp_path / "nan.png", poses, inputs, errors))
    assert_nontrivial(image)


@pytest.mark.parametrize(("arguments", "named"), [
    ({"poses_3d": np.zeros((4, 17, 2))}, "poses_3d"),
    ({"poses_3d": np.zeros((4, 16, 3))}, "poses_3d"),
    ({"poses_3d": np.zeros((0, 17, 3))}, "poses_3d"),
    ({"poses_3d": "not an array"}, "poses_3d"),
    ({"poses_3d": np.zeros((4, 17, 3)), "inputs_2d": np.zeros((4, 17, 3))}, "inputs_2d"),
    ({"poses_3d": np.zeros((4, 17, 3)), "inputs_2d": np.zeros((3, 17, 2))}, "inputs_2d"),
    ({"poses_3d": np.zeros((4, 17, 3)), "errors_mm": np.zeros((4, 17, 1))}, "errors_mm"),
    ({"poses_3d": np.zeros((4, 17, 3)), "errors_mm": -np.ones((4, 17))}, "errors_mm"),
    ({"poses_3d": np.zeros((4, 17, 3)), "ground_truth_3d": np.zeros((17, 3))}, "ground_truth_3d"),
    ({"poses_3d": np.zeros((4, 17, 3)), "titles": ["a"]}, "titles"),
    ({"poses_3d": np.zeros((4, 17, 3)), "max_columns": 0}, "max_columns"),
])
def test_plot_poses_rejects_bad_arguments(tmp_path: Path, arguments: dict, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        plot_poses(tmp_path / "bad.png", **arguments)
    assert list(tmp_path.iterdir()) == []


def test_files_are_replaced_atomically(tmp_path: Path) -> None:
    path = tmp_path / "out" / "poses.png"
    plot_poses(path, standing_sequence(1))
    first = path.read_bytes()
    plot_poses(path, standing_sequence(1), errors_mm=np.full(17, 40.0))
    assert path.read_bytes() != first
    assert [p.name for p in path.parent.iterdir()] == ["poses.png"]  # no temporary left behind


def test_camera_to_upright_puts_the_head_above_the_feet() -> None:
    upright = camera_to_upright(standing_sequence(1, turn=0.0)[0])
    assert upright[10, 2] > upright[0, 2] > upright[3, 2]  # head, pelvis, right foot
    np.testing.assert_allclose(upright, _UPRIGHT_STANDING, atol=1e-12)


# ------------------------------------------------------------------------------------- training curves


def test_training_curves(tmp_path: Path) -> None:
    history = [{"epoch": epoch, "train_loss": 1 / (epoch + 1), "val_protocol1_mm": 60.0 - epoch,
                "val_protocol2_mm": 45.0 - epoch, "lr": 1e-3 * 0.9**epoch} for epoch in range(8)]
    history[3]["val_protocol2_mm"] = None
    full = rgb(plot_training_curves(tmp_path / "curves.png", history))
    assert_nontrivial(full)
    loss_only = rgb(plot_training_curves(tmp_path / "loss.png", [{"train_loss": 0.5}, {"train_loss": 0.4}]))
    assert full.shape[1] > 2.5 * loss_only.shape[1]  # three panels against one


@pytest.mark.parametrize("history", [[], {"epoch": 1}, [{"epoch": 1}], [{"train_loss": "low"}], ["x"]])
def test_training_curves_reject_bad_history(tmp_path: Path, history: object) -> None:
    with pytest.raises(ValueError, match="history"):
        plot_training_curves(tmp_path / "curves.png", history)


# ----------------------------------------------------------------------------------------------- GIF


def test_gif_has_a_frame_per_pose_and_shows_motion(tmp_path: Path) -> None:
    moving = standing_sequence(4)
    still = np.repeat(moving[:1], 4, axis=0)
    errors = np.full((4, 17), 25.0)
    moving_path = write_gif(tmp_path / "moving.gif", moving, project(moving), errors, fps=5)
    still_path = write_gif(tmp_path / "still.gif", still, project(still), errors, fps=5)
    with Image.open(moving_path) as image:
        assert image.n_frames == 4
        assert image.info["duration"] == 200
    with Image.open(still_path) as image:
        assert image.n_frames == 4  # the frame counter keeps identical poses as separate frames
    first = rgb(moving_path, 0)
    assert_nontrivial(first)

    def changed_pixels(path: Path) -> int:
        body = slice(40, None)  # below the "frame i / N" line
        return int(np.any(np.abs(rgb(path, 0)[body] - rgb(path, 3)[body]) > 40, axis=-1).sum())

    assert changed_pixels(moving_path) > 100
    assert changed_pixels(still_path) < 20


def test_gif_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="errors_mm"):
        write_gif(tmp_path / "a.gif", standing_sequence(3), errors_mm=np.zeros((2, 17)))
    with pytest.raises(ValueError, match="fps"):
        write_gif(tmp_path / "a.gif", standing_sequence(3), fps=0)


# ---------------------------------------------------------------------------------------------- HTML


def embedded_data(page: str) -> dict:
    match = re.search(r'<script id="pose-data" type="application/json">(.*?)</script>', page, re.DOTALL)
    assert match is not None
    return json.loads(match.group(1))


def test_html_is_self_contained_and_embeds_the_poses(tmp_path: Path) -> None:
    poses = standing_sequence(3)
    poses[1, 4] = np.nan
    errors = np.linspace(0, 80, 3 * 17).reshape(3, 17)
    page = write_html(tmp_path / "view.html", poses, errors, title="S9 <Walking> & co").read_text()
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)\s*=", page, re.IGNORECASE)
    assert "<title>S9 &lt;Walking&gt; &amp; co</title>" in page
    data = embedded_data(page)
    assert data["names"] == list(SKELETON17.names)
    assert data["poses"][1][4] is None
    shown = np.array([[joint if joint is not None else [np.nan] * 3 for joint in frame]
                      for frame in data["poses"]])
    np.testing.assert_allclose(shown, camera_to_upright(poses), atol=1e-4)
    np.testing.assert_allclose(np.array(data["errors"]), errors, atol=0.05)


def test_html_escapes_hostile_names(tmp_path: Path) -> None:
    names = list(SKELETON17.names)
    names[13] = "</script><script>alert(1)</script>{{TITLE}}"
    page = write_html(tmp_path / "view.html", standing_sequence(1)[0], joint_names=names,
                      title="{{DATA}}").read_text()
    assert page.lower().count("</script>") == 2  # the data block and the viewer script, nothing injected
    assert embedded_data(page)["names"][13] == names[13]
    assert "<title>{{DATA}}</title>" in page


def test_html_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="joint_names"):
        write_html(tmp_path / "v.html", standing_sequence(1), joint_names=["a"] * 16)
    with pytest.raises(ValueError, match="errors_mm"):
        write_html(tmp_path / "v.html", standing_sequence(2), errors_mm=np.zeros((2, 16)))


CHROMIUM = shutil.which("chromium")


def run_chromium(page: Path, screenshot: Path, profile: Path) -> str:
    """Load ``page`` in headless Chromium (no network), save an 800x600 screenshot, return the loaded DOM."""
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", f"--screenshot={screenshot}", "--dump-dom", "--window-size=800,600",
        page.resolve().as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def body_status(dom: str) -> str:
    match = re.search(r'<body[^>]*data-status="([^"]*)"', dom)
    assert match is not None, dom[:2000]
    return match.group(1)


def page_errors(dom: str) -> str:
    match = re.search(r'<pre id="errors">(.*?)</pre>', dom, re.DOTALL)
    assert match is not None, dom[:2000]
    return match.group(1)


@pytest.mark.skipif(CHROMIUM is None, reason="no `chromium` binary on PATH (apt-get install chromium)")
def test_html_draws_the_skeleton_in_chromium(tmp_path: Path) -> None:
    poses = standing_sequence(5)
    errors = np.linspace(5, 90, 5 * 17).reshape(5, 17)
    page = write_html(tmp_path / "view.html", poses, errors, fps=10)
    dom = run_chromium(page, tmp_path / "shot.png", tmp_path / "profile")
    assert page_errors(dom) == ""
    assert body_status(dom) == "drawn"

    image = rgb(tmp_path / "shot.png")
    assert image.shape == (600, 800, 3)
    centre = image[100:500, 200:600]
    assert pixels_near(centre, LEFT_RGB) > 300
    assert pixels_near(centre, RIGHT_RGB) > 300
    outside = np.concatenate([image[:100].reshape(-1, 3), image[:, :150].reshape(-1, 3)])
    assert pixels_near(outside, LEFT_RGB) + pixels_near(outside, RIGHT_RGB) < 50  # the person is centred


@pytest.mark.skipif(CHROMIUM is None, reason="no `chromium` binary on PATH (apt-get install chromium)")
def test_html_reports_script_errors_in_chromium(tmp_path: Path) -> None:
    # The check above can only pass if errors would be visible: break the page and look for the report.
    page = write_html(tmp_path / "view.html", standing_sequence(1))
    text = page.read_text()
    page.write_text(text.replace("function main() {", 'function main() {\n    throw new Error("boom");', 1))
    dom = run_chromium(page, tmp_path / "shot.png", tmp_path / "profile")
    assert body_status(dom) == "error"
    assert "boom" in page_errors(dom)


@pytest.mark.skipif(CHROMIUM is None, reason="no `chromium` binary on PATH (apt-get install chromium)")
def test_html_hover_names_the_joint_and_its_error_in_chromium(tmp_path: Path) -> None:
    errors = np.full(17, 12.0)
    errors[13] = 47.3
    page = write_html(tmp_path / "view.html", standing_sequence(1)[0], errors)
    # Test-only probe: move the pointer onto the left wrist's projected position after the first draw.
    probe = ('    draw();\n    const wrist = state.projected[13];\n'
             '    canvas.dispatchEvent(new PointerEvent("pointermove", '
             '{ clientX: wrist[0], clientY: wrist[1], bubbles: true }));\n')
    text = page.read_text()
    assert text.count("    resize();\n    draw();\n") == 1
    page.write_text(text.replace("    resize();\n    draw();\n", "    resize();\n" + probe))
    dom = run_chromium(page, tmp_path / "shot.png", tmp_path / "profile")
    assert page_errors(dom) == ""
    tooltip = re.search(r'<div id="tooltip"[^>]*>(.*?)</div>', dom, re.DOTALL)
    assert tooltip is not None and "display: block" in tooltip.group(0)
    assert SKELETON17.names[13] in tooltip.group(1) and "47.3 mm" in tooltip.group(1)


def test_torch_tensors_are_accepted(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    poses = standing_sequence(2)
    tensor = torch.tensor(poses, requires_grad=True)
    from_tensor = write_html(tmp_path / "tensor.html", tensor * 1.0, torch.ones(2, 17)).read_text()
    from_numpy = write_html(tmp_path / "numpy.html", poses, np.ones((2, 17))).read_text()
    assert embedded_data(from_tensor) == embedded_data(from_numpy)
