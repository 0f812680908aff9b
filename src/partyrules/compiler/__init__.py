"""Compiling: a checked :class:`~partyrules.model.Model` to a :class:`~partyrules.runtime.Ruleset`.

- :mod:`~partyrules.compiler.fingerprint`: the ruleset's identity, from its canonical form (written as
  JSON by a writer compiled for each node class);
- :mod:`~partyrules.compiler.expressions`: each expression as exact Python (fixed point or Decimal);
- :mod:`~partyrules.compiler.program`: the whole program around them;
- :mod:`~partyrules.compiler.loop`: its batch loop (rows by name, or in the inputs' order);
- :mod:`~partyrules.compiler.details`: the texts an explanation quotes;
- :mod:`~partyrules.compiler.assemble`: the layout, the inputs and the ruleset around them.

The compiler reads the model and writes runtime objects; the runtime never imports it back.
"""

from partyrules.compiler.assemble import build
from partyrules.compiler.fingerprint import fingerprint
from partyrules.compiler.program import Compiled, compile_program, generate

__all__ = ["Compiled", "build", "compile_program", "fingerprint", "generate"]
