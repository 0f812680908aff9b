"""Write ``grammars/criteria-lalr.json``, the LALR parser saved from ``grammars/criteria.lark``.

Run it after every change of the grammar (``python scripts/save_parser.py``):
``tests/test_saved_parser.py`` fails while the saved parser was made from another grammar text. Until
then the parser is built from the grammar in each process, as it would be without the file.
"""

from __future__ import annotations

import sys

from partyrules.parser.grammar import main

if __name__ == "__main__":
    sys.exit(main())
