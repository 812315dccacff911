"""The limits on a typed expression, in one place (the docs and the API quote them).

Each one bounds the work a single request can cause *before* that work is
done: the text is measured before it is scanned, the parentheses are counted
before Python's parser sees them, and a constant power is checked before it is
computed.
"""

MAX_EXPR_CHARS = 200        # characters of the typed text (before any stripping)
MAX_PAREN_DEPTH = 30        # nested parentheses
MAX_TREE_DEPTH = 24         # nesting of operations, e.g. ------x or sin(sin(…)); a flat
                            # sum or product counts as one level
MAX_NODES = 100             # numbers, names, operations and calls in the parsed tree
MAX_EXPONENT = 100          # |p| of a power whose exponent is a constant
MAX_CONSTANT = 1e300        # |c| of any constant (sub)expression, once folded
MAX_LITERAL_EXPONENT = 400  # |k| in a literal such as 1e-k (bigger ones are refused unread)
MAX_DERIVED_NODES = 20_000  # distinct nodes in f, its gradient and Hessian together

MAX_DOMAIN_COORD = 1e4      # |bound| of the x/y domain (a start point may lie anywhere within ±1e4 too)
MIN_DOMAIN_SPAN = 1e-6      # the smallest width (and height) of the domain
