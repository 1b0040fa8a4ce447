"""gmbot.v1 changes only by addition: `buf breaking` (make api-check) against the newest release in
proto/releases/ refuses a deletion, and the exceptions buf.yaml grants for 0.1.0's missing
language options end with the first release that has them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from scripts.changelog import version_key

ROOT = Path(__file__).resolve().parents[3]
BUF = ROOT / "tools" / "buf" / "node_modules" / ".bin" / "buf"
RELEASES = ROOT / "proto" / "releases"
OPTION_RULES = {
    "FILE_SAME_CSHARP_NAMESPACE",
    "FILE_SAME_GO_PACKAGE",
    "FILE_SAME_JAVA_MULTIPLE_FILES",
    "FILE_SAME_JAVA_PACKAGE",
}


def newest_release() -> Path:
    images = list(RELEASES.glob("gmbot-v*.binpb"))
    return max(images, key=lambda image: version_key(image.name[len("gmbot-v") : -len(".binpb")]))


def test_the_option_exceptions_end_with_the_first_release_that_has_the_options() -> None:
    excepted = set(yaml.safe_load((ROOT / "buf.yaml").read_text())["breaking"].get("except", []))
    if newest_release().name == "gmbot-v0.1.0.binpb":
        assert excepted == OPTION_RULES
    else:
        assert not excepted & OPTION_RULES, "drop buf.yaml's breaking.except: the options are set"


@pytest.mark.skipif(not BUF.exists(), reason="buf is installed by `make api-check`")
def test_a_deleted_rpc_is_refused_against_the_released_api(tmp_path: Path) -> None:
    shutil.copy(ROOT / "buf.yaml", tmp_path)
    shutil.copytree(ROOT / "proto" / "gmbot", tmp_path / "proto" / "gmbot")
    membership = tmp_path / "proto" / "gmbot" / "v1" / "membership.proto"
    lines = membership.read_text().splitlines(keepends=True)
    membership.write_text("".join(line for line in lines if "rpc CheckMembership(" not in line))

    result = subprocess.run(  # noqa: S603 - the pinned buf, on a copy of our own files
        [str(BUF), "breaking", "--against", str(newest_release())],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert 'Previously present RPC "CheckMembership"' in result.stdout
