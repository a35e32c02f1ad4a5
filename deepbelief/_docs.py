"""Docstrings that document every parameter, written once.

Subclasses that take their parent's parameters (GaussianBernoulliRBM from
BernoulliRBM, MLPRegressor from MLPClassifier, the DBN estimators from the
MLPs) put the line ``<inherited parameters>`` in their Parameters section;
:func:`inherit_parameters` replaces it by the source's entries for every
parameter of the subclass's signature that the subclass does not document
itself, with the ``default=`` of each header line taken from the
subclass's own signature, so that ``help()`` is complete and true.
"""

import ast
import inspect
import re

__all__ = ["inherit_parameters", "parameter_entries"]

MARKER = "<inherited parameters>"
_SECTION = re.compile(r"^( *)Parameters\n\1-+\n(.*?)(?=^\1[A-Z][A-Za-z ]+\n\1-+\n|\Z)",
                      re.S | re.M)
_HEADER = re.compile(r"^( *)([A-Za-z_][\w]*(?:, *[A-Za-z_]\w*)*) :(.*)$")


def parameter_entries(doc):
    """The Parameters section of ``doc`` as ``{name: block}``, in order; a
    block is the header line and its indented description, as written.
    A header naming several parameters (``a, b : float``) serves each."""
    match = _SECTION.search(doc or "")
    if not match:
        return {}
    blocks = []  # (names, lines) per header
    for line in match.group(2).splitlines():
        head = _HEADER.match(line)
        if head and head.group(1) == match.group(1):
            blocks.append(([n.strip() for n in head.group(2).split(",")], [line]))
        elif blocks:
            blocks[-1][1].append(line)
    return {name: "\n".join(lines).rstrip("\n") for names, lines in blocks for name in names}


def _with_default(block, name, default):
    """``block`` with its header's ``default=`` set to ``default`` (kept as
    written when it already says that value)."""
    header, _, rest = block.partition("\n")
    if "default=" not in header or default is inspect.Parameter.empty:
        return block
    try:
        written = ast.literal_eval(header.split("default=", 1)[1].strip())
    except (ValueError, SyntaxError):
        written = inspect.Parameter.empty
    if type(written) is type(default) and written == default:
        return block
    text = f'"{default}"' if isinstance(default, str) else repr(default)
    header = re.sub(r"default=.*$", f"default={text}", header)
    return header + ("\n" + rest if rest else "")


def _per_layer(block):
    """``block`` with ``or list`` added to its header's type."""
    header, newline, rest = block.partition("\n")
    kind, comma, default = header.partition(", default=")
    return f"{kind} or list{comma}{default}{newline}{rest}"


def inherit_parameters(cls, *sources, per_layer=()):
    """Fill ``cls.__doc__``'s ``<inherited parameters>`` line from the
    Parameters sections of ``sources``, the first that documents a
    parameter giving its entry (see the module docstring); the types of the
    ``per_layer`` parameters gain "or list" (one value per layer).
    Returns ``cls``."""
    doc = cls.__doc__
    if not doc or MARKER not in doc:
        raise ValueError(f"{cls.__name__}'s docstring has no {MARKER!r} line.")
    own = parameter_entries(doc.replace(MARKER, ""))
    theirs = {}
    for source in sources:
        for name, block in parameter_entries(source.__doc__).items():
            theirs.setdefault(name, block)
    signature = inspect.signature(cls.__init__).parameters
    blocks, done = [], set()
    for name in theirs:
        if name in signature and name not in own and name not in done:
            block = theirs[name]
            head = _HEADER.match(block.partition("\n")[0])
            shared = [n.strip() for n in head.group(2).split(",")] if head else [name]
            if len(shared) > 1:
                done.update(shared)
            else:
                block = _with_default(block, name, signature[name].default)
                if name in per_layer:
                    block = _per_layer(block)
            done.add(name)
            blocks.append(block)
    missing = [n for n in signature if n != "self" and n not in own and n not in done]
    if missing:
        raise ValueError(f"{cls.__name__}: parameters {missing} are documented neither "
                         f"there nor in {[s.__name__ for s in sources]}.")
    line = next(line for line in doc.splitlines() if MARKER in line)
    indent = line[: len(line) - len(line.lstrip())]
    text = "\n".join(blocks)
    # the source's blocks carry its indentation; re-indent to the target's
    src_indent = re.match(r" *", next(iter(theirs.values()), "")).group(0) if theirs else ""
    if src_indent != indent:
        text = "\n".join(indent + l[len(src_indent):] if l.startswith(src_indent) else l
                         for l in text.splitlines())
    cls.__doc__ = doc.replace(line, text, 1)
    return cls
