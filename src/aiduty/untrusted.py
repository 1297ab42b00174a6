"""Read and parse untrusted description input within bounds: YAML and JSON with duplicate keys refused (naming the
key and both lines), YAML aliases refused, dates left for the model to validate, only regular files read, never
more than a limit, JSON Lines line by line.

Every problem is an ``InputError`` (field, problem); description.py adds the source and makes it a
DescriptionError. Messages quote input through ``safetext.brief``/``clip`` only.

YAML: PyYAML's safe loader with a constructor of our own, rather than ruamel.yaml. The constructor is Python even
over libyaml's C parser, so both checks sit there and parsing keeps libyaml's speed, with no new dependency.
ruamel.yaml rejects duplicate keys but expands aliases without a cap. libyaml already caps nesting depth.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import yaml
from yaml.nodes import MappingNode, SequenceNode

from .safetext import brief, clip


class InputError(ValueError):
    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


# ------------------------------------------------------------------------------------------------ files


def open_regular(path: str | Path) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file (following symlinks); a FIFO, a device (``/dev/zero``), a
    socket or a directory is refused at once, without blocking or reading."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError("(file)", "no such file") from None
    except IsADirectoryError:
        raise InputError("(file)", "is a directory, not a description file") from None
    except OSError as exc:
        raise InputError("(file)", f"cannot be read: {exc.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else \
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "special"
        raise InputError("(file)", f"is {kind}, not a regular file")
    return os.fdopen(fd, "rb")


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (reading at most ``limit`` + 1)."""
    with open_regular(path) as fh:
        try:
            raw = fh.read(limit + 1)
        except OSError as exc:
            raise InputError("(file)", f"cannot be read: {exc.strerror}") from None
    if len(raw) > limit:
        raise InputError("(file)", f"larger than {limit} bytes")
    return raw


def read_lines(path: str | Path, limit: int) -> Iterator[tuple[int, bytes | InputError]]:
    """(line number, line) for every non-blank line of a JSON Lines file; a line longer than ``limit`` bytes is an
    InputError, skipped in pieces: memory stays bounded however long a line is."""
    with open_regular(path) as fh:
        number = 0
        while True:
            line = fh.readline(limit + 1)
            if not line:
                return
            number += 1
            if len(line) > limit and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):            # skip the rest of the line
                    line = fh.readline(1 << 16)
                yield number, InputError("(line)", f"longer than {limit} bytes")
            elif line.strip():
                yield number, line


def decode(raw: bytes, what: str = "(file)") -> str:
    """UTF-8 text (a BOM is dropped); NUL bytes or invalid UTF-8 are an InputError."""
    if b"\x00" in raw:
        raise InputError(what, "is binary, not a text description")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(what, f"is not UTF-8 text (byte {exc.start + 1})") from None


# ------------------------------------------------------------------------------------------------ YAML


_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Duplicate(yaml.constructor.ConstructorError):
    def __init__(self, key: Any, first: yaml.Node, second: yaml.Node):
        self.key, self.first, self.second = key, first, second
        super().__init__(None, None, f"duplicate key {brief(key)}", second.start_mark)


class _Constructor(yaml.constructor.SafeConstructor):
    """SafeConstructor that refuses aliases and duplicate keys, and leaves dates to the model (as text), so that
    ``launch_date: 2026-02-30`` is reported for its field."""

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects or node in self.recursive_objects:
            # a node is reached twice only through an alias: refusing them makes an alias bomb fail at once
            raise yaml.constructor.ConstructorError(
                None, None, f"aliases (*name) are not allowed: the value anchored at line {node.start_mark.line + 1} "
                "is used again; write it out")
        return super().construct_object(node, deep)

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, MappingNode):
            return super().construct_mapping(node, deep)
        self.flatten_mapping(node)
        mapping: dict = {}
        first: dict = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                seen = key in mapping
            except TypeError:
                raise yaml.constructor.ConstructorError(None, None, "found an unhashable key", key_node.start_mark) from None
            if seen:
                raise _Duplicate(key, first[key], key_node)
            first[key] = key_node
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_timestamp_as_text(self, node):
        return self.construct_scalar(node)


_Constructor.add_constructor(_TIMESTAMP, _Constructor.construct_yaml_timestamp_as_text)

class _Loader(_Constructor, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):    # libyaml when PyYAML has it
    """The safe loader (libyaml's parser when there) with the constructor above."""


# dates stay text (plain scalars that look like dates resolve to str); pydantic parses and checks them
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}


def load_yaml(text: str) -> Any:
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
            return None if root is None else loader.construct_document(root)
        except _Duplicate as dup:
            lines = f"lines {dup.first.start_mark.line + 1} and {dup.second.start_mark.line + 1}"
            raise InputError(_yaml_path(root, dup.second, dup.key), f"stated twice ({lines}); keep one") from None
        except yaml.YAMLError as exc:
            raise InputError("(syntax)", f"not valid YAML{_yaml_where(exc)}: {clip(_yaml_problem(exc))}") from None
        except ValueError as exc:              # e.g. an integer of more than 4300 digits
            raise InputError("(syntax)", f"not valid YAML: {_value_problem(exc)}") from None
        except RecursionError:
            raise InputError("(syntax)", "not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()


def _yaml_where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f" at line {mark.line + 1}" if mark is not None else ""


def _yaml_problem(exc: yaml.YAMLError) -> str:
    return str(getattr(exc, "problem", None) or exc).splitlines()[0]


def _yaml_path(root: yaml.Node, key_node: yaml.Node, key: Any) -> str:
    """The dotted path of the mapping entry whose key node is ``key_node`` (walked without recursion)."""
    stack, seen = [(root, "")], set()
    while stack:
        node, prefix = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for k, v in node.value:
                name = clip(str(k.value), 60) if not isinstance(k.value, list) else "?"
                if k is key_node:
                    return prefix + name
                stack.append((v, f"{prefix}{name}."))
        elif isinstance(node, SequenceNode):
            stack += [(v, f"{prefix}{i}.") for i, v in enumerate(node.value)]
    return clip(str(key), 60)


# ------------------------------------------------------------------------------------------------ JSON


class _DuplicateJSON(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _DuplicateJSON
    return data


def load_json(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateJSON:
        path, first, second = _json_duplicate(text)
        raise InputError(path, f"stated twice (lines {first} and {second}); keep one") from None
    except json.JSONDecodeError as exc:
        raise InputError("(syntax)", f"not valid JSON at line {exc.lineno}: {exc.msg}") from None
    except ValueError as exc:                  # e.g. an integer of more than 4300 digits
        raise InputError("(syntax)", f"not valid JSON: {_value_problem(exc)}") from None
    except RecursionError:
        raise InputError("(syntax)", "not valid JSON: nested too deeply") from None


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:\n]')


def _json_duplicate(text: str) -> tuple[str, int, int]:
    """Where valid JSON states a key twice in one object: (dotted path, first line, second line). Only called once a
    duplicate is known to be there; one pass, no recursion."""
    stack: list[list] = []          # per open container: [keys seen -> line (None for an array), key or index]
    line, expect_key = 1, False
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok == "\n":
            line += 1
        elif tok in "{[":
            stack.append([{} if tok == "{" else None, 0])
            expect_key = tok == "{"
        elif tok in "}]":
            stack.pop()
            expect_key = False
        elif tok == ",":
            if stack and stack[-1][0] is None:
                stack[-1][1] += 1
            expect_key = bool(stack) and stack[-1][0] is not None
        elif tok == ":":
            expect_key = False
        elif expect_key:
            key = json.loads(tok)
            seen = stack[-1][0]
            if key in seen:
                path = ".".join(clip(str(entry[1]), 60) for entry in stack[:-1]) + "." if len(stack) > 1 else ""
                return path + clip(key, 60), seen[key], line
            seen[key] = line
            stack[-1][1] = key
        else:
            line += tok.count("\n")       # a string value cannot hold a raw newline in valid JSON; be safe
    return "(top level)", 0, 0


def _value_problem(exc: ValueError) -> str:
    text = str(exc)
    if "digits" in text:
        return "a number has too many digits"
    return clip(text.splitlines()[0] if text else type(exc).__name__, 200)
