"""The business-day part of a stored schedule: how its runs meet weekends and holidays, and whose calendar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SKIP = "skip"  # a run on a holiday does not happen ('every business day', 'except holidays')
BEFORE = "before"  # a run on a non-business day moves to the business day before
AFTER = "after"  # ... or to the next business day
NTH = "nth"  # the nth (or last, -1) business day of each month
MODES = (SKIP, BEFORE, AFTER, NTH)
MAX_NTH = 20
WORKSPACE = "workspace"
OWN = "own"


@dataclass(frozen=True)
class BusinessDays:
    """`region` is the holiday calendar the runs follow (None: none, so business days are Monday to Friday).

    `follows_workspace`: the region is the workspace calendar's, copied in when the schedule was saved
    and rewritten when the workspace changes it; otherwise the phrase named its own region.
    """

    mode: str
    nth: int | None = None
    region: str | None = None
    follows_workspace: bool = True

    def to_fields(self) -> dict[str, Any]:
        data: dict[str, Any] = {"mode": self.mode, "calendar": WORKSPACE if self.follows_workspace else OWN}
        if self.nth is not None:
            data["nth"] = self.nth
        if self.region is not None:
            data["region"] = self.region
        return data

    @classmethod
    def from_fields(cls, data: Any) -> BusinessDays:
        if not isinstance(data, dict) or set(data) - {"mode", "nth", "region", "calendar"}:
            raise ValueError("bad business days")
        mode, nth, region, calendar = data.get("mode"), data.get("nth"), data.get("region"), data.get("calendar")
        if mode not in MODES or calendar not in (WORKSPACE, OWN):
            raise ValueError("bad business days mode")
        if (mode == NTH) != isinstance(nth, int) or (nth is not None and not (nth == -1 or 1 <= nth <= MAX_NTH)):
            raise ValueError("bad business day position")
        if region is not None and (not isinstance(region, str) or len(region) > 16):
            raise ValueError("bad holiday region")
        if calendar == OWN and region is None:
            raise ValueError("a schedule's own calendar names its region")
        return cls(mode=mode, nth=nth, region=region, follows_workspace=calendar == WORKSPACE)
