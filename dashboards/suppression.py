"""Small-cell suppression of published figures (QUALITY S6).

A figure of 1 to 10 people shown outside the agency that owns the cases could point at one
woman in one commune, so it is hidden ("primary" suppression). Hiding it is not enough when
it can be worked out from the figures around it: a total minus the other cells of its table
gives it back. Every table therefore declares its additive relations (`total = part + part
+ …`), and while some relation has exactly one hidden member, one more member is hidden
("complementary" suppression): the smallest non-zero part, so that as little as possible is
lost, then a zero part, and the total only when nothing else is left.

With two or more unknowns in every relation, no single relation pins a hidden cell down; the
property tests check the stronger claim that bounds propagated through all the relations
together never narrow a hidden cell to one value.
"""

from collections.abc import Iterable, Mapping

LOWEST_HIDDEN = 1
HIGHEST_HIDDEN = 10

Relation = tuple[str, list[str]]


def is_small(value: int) -> bool:
    return LOWEST_HIDDEN <= value <= HIGHEST_HIDDEN


def suppress(cells: Mapping[str, int], relations: Iterable[Relation], hidden: Iterable[str] | None = None) -> set[str]:
    """The keys of `cells` to hide. `relations` are (total key, part keys) with
    cells[total] == sum(cells[part] for part in parts). `hidden`: keys hidden from the start
    (those of `cells` only), as the nested periods require (`dashboards.lattice`)."""
    relations = [(total, list(parts)) for total, parts in relations if total in cells]
    hidden = {key for key, value in cells.items() if is_small(value)} | {key for key in hidden or () if key in cells}
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            members = [total, *parts]
            if sum(member in hidden for member in members) != 1:
                continue
            hidden.add(_complement(cells, total, parts, hidden))
            changed = True
    return hidden


def _complement(cells: Mapping[str, int], total: str, parts: list[str], hidden: set[str]) -> str:
    visible = [part for part in parts if part not in hidden]
    non_zero = sorted((cells[part], part) for part in visible if cells[part] > 0)
    if non_zero:
        return non_zero[0][1]
    if visible:
        return visible[0]
    return total


def remainder(cells: dict[str, int], relations: list[Relation], total: str, parts: list[str], key: str) -> None:
    """Declare `total = parts + key`: `key` is a cell never shown, what the shown parts leave
    of the total, so that hiding it (when small) hides the total or a part with it."""
    rest = cells[total] - sum(cells[part] for part in parts)
    if rest < 0:  # not a relation at all (the parts overlap); nothing to give away
        return
    cells[key] = rest
    relations.append((total, [*parts, key]))


def derivable(cells: Mapping[str, int], relations: Iterable[Relation], hidden: set[str]) -> set[str]:
    """The hidden keys an outsider can still compute exactly from the visible ones.

    Interval propagation: every hidden cell starts in [0, largest visible total or sum of
    all cells] and each relation narrows its members from the others' bounds until nothing
    changes. Used by the tests as the attacker; cheap enough to run on every table.
    """
    relations = [(total, list(parts)) for total, parts in relations if total in cells]
    ceiling = sum(cells.values())
    low = {key: (cells[key] if key not in hidden else 0) for key in cells}
    high = {key: (cells[key] if key not in hidden else ceiling) for key in cells}
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            # total = sum(parts): bound the total from the parts, and each part from the rest.
            new_low = max(low[total], sum(low[p] for p in parts))
            new_high = min(high[total], sum(high[p] for p in parts))
            changed |= (new_low, new_high) != (low[total], high[total])
            low[total], high[total] = new_low, new_high
            for part in parts:
                others_low = sum(low[p] for p in parts if p != part)
                others_high = sum(high[p] for p in parts if p != part)
                part_low = max(low[part], low[total] - others_high)
                part_high = min(high[part], high[total] - others_low)
                changed |= (part_low, part_high) != (low[part], high[part])
                low[part], high[part] = part_low, part_high
    return {key for key in hidden if low[key] == high[key]}
