"""How a Lab is put together and taken apart: the helpers behind ``lab.py``'s wiring.

``lifetime`` holds what outlives one Lab (the run folder, the process's open Labs, the
order in which closing ends things); ``parts`` holds how the Lab's parts reach back to it
without keeping it alive, and the parts it makes only on first use. Only the Lab uses them.
"""
