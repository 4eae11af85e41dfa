"""The {{name}} service, built into a component by componentize-py."""

import wit_world


class WitWorld(wit_world.WitWorld):
    def hello(self, name: str) -> str:
        return f"Hello, {name}!"

    def count_words(self, text: str) -> int:
        return len(text.split())
