# dataclasses, enum and typing at run time: asdict, replace, ordering, introspection.
import dataclasses
import enum
import typing


class Colour(enum.Enum):
    RED = 1
    GREEN = 2


class Flags(enum.IntFlag):
    READ = 4
    WRITE = 2


@dataclasses.dataclass(order=True, frozen=True)
class Item:
    price: float
    name: str = "thing"
    tags: tuple[str, ...] = ()


def main():
    items = sorted([Item(3.5, "b"), Item(1.25, "a", ("x",))])
    return {
        "asdict": [dataclasses.asdict(item) for item in items],
        "replace": dataclasses.asdict(dataclasses.replace(items[0], price=9.0)),
        "fields": [field.name for field in dataclasses.fields(Item)],
        "enum": [Colour(2).name, Colour["RED"].value, [c.name for c in Colour]],
        "flags": [int(Flags.READ | Flags.WRITE), str(Flags.READ)],
        "hints": {k: str(v) for k, v in typing.get_type_hints(Item).items()},
    }
