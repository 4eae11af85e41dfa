"""The greeter example service in Python, built into a component by componentize-py.

Plain bindings generated from wit/greeter: nothing Weft-specific.
"""

import wit_world
from wit_world import exports
from wit_world.exports.greet import Greeting, Person, Tone
from wit_world.imports.types import Point
from componentize_py_types import Err


class WitWorld(wit_world.WitWorld):
    def make_point(self, x: int, y: int) -> Point:
        return Point(x=x, y=y)


def _hello(name: str) -> str:
    return f"Hello, {name}!"


class Greet(exports.Greet):
    def hello(self, name: str) -> str:
        return _hello(name)

    def greet(self, who: Person, tone: Tone) -> Greeting:
        if tone == Tone.FORMAL:
            text = f"Good day, {who.name}."
        else:
            text = f"Hi {who.name}!"
        return Greeting(text=text, tone=tone, chars=len(text))

    def greet_all(self, people: list[Person]) -> list[str]:
        return [_hello(p.name) for p in people]

    def oldest(self, people: list[Person]) -> Person | None:
        best = None
        for p in people:
            if best is None or p.age > best.age:
                best = p
        return best

    def divide(self, a: int, b: int) -> int:
        if b == 0:
            raise Err("division by zero")
        if a == -(2**31) and b == -1:
            raise Err("overflow")
        q = abs(a) // abs(b)
        return q if (a < 0) == (b < 0) else -q
