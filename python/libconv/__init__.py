"""libconv for Python: convert statistical indicator records between CSV,
JSON, JSON Lines, XML and spreadsheets, and read them as dicts.

    import libconv
    libconv.convert("a.csv", "b.xlsx", schema="a.schema.json")
    for rec in libconv.read("b.xlsx"):
        print(rec["value"])          # Decimal('552.6'), never a float

A thin layer over the shared library (ctypes): convert() is one call of
conv_convert(), with no Python work per record.  The library is found from
the LIBCONV_LIBRARY environment variable (a path), else as libconv.so.0 on
the system's library path, else in build/lib of the source tree.

Options are the library's (and the conv tool's) options, given as keyword
arguments with '_' for '-': infer_rows=0, out_delimiter=";", plain=True.
True is given as "1"; False and None leave the option out.
"""
import ctypes
import datetime
import decimal
import os

__all__ = ["convert", "read", "merge", "check", "version", "version_number", "Error"]

# enum conv_type
_NULL, _STRING, _INTEGER, _DECIMAL, _BOOLEAN, _DATE, _DATETIME = range(7)
_OK, _EOF, _ERR = 0, 1, -1

#: Error codes (enum conv_errcode), by name.
CODES = {
    0: "none", 1: "usage", 2: "format", 3: "syntax", 4: "encoding", 5: "type",
    6: "structure", 7: "schema", 8: "limit", 9: "io", 10: "nomem", 11: "canceled",
    12: "unsupported",
}


# The structs the library fills, as conv.h declares them; each ends in
# reserved words (see "Structs the caller allocates" in conv.h), and
# python/tests checks these layouts against the C compiler's.
class _ConvError(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("line", ctypes.c_uint64),
                ("column", ctypes.c_uint64), ("offset", ctypes.c_uint64),
                ("record", ctypes.c_uint64), ("source", ctypes.c_char * 256),
                ("field", ctypes.c_char * 128), ("message", ctypes.c_char * 256),
                ("reserved_", ctypes.c_uint64 * 8)]


class _ConvValue(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("flags", ctypes.c_uint),
                ("len", ctypes.c_size_t), ("text", ctypes.c_void_p)]


class _ConvStats(ctypes.Structure):
    _fields_ = [("records", ctypes.c_uint64), ("bytes_in", ctypes.c_uint64),
                ("input_format", ctypes.c_char_p), ("output_format", ctypes.c_char_p),
                ("reserved_", ctypes.c_uint64 * 8)]


class _ConvFinding(ctypes.Structure):
    _fields_ = [("rule", ctypes.c_char_p), ("severity", ctypes.c_int),
                ("sheet", ctypes.c_char_p), ("cell", ctypes.c_char_p),
                ("where", _ConvError), ("related_record", ctypes.c_uint64),
                ("related_line", ctypes.c_uint64), ("related_source", ctypes.c_char_p),
                ("merged_record", ctypes.c_uint64), ("reserved_", ctypes.c_uint64 * 8)]


class _ConvMergeInput(ctypes.Structure):
    _fields_ = [("path", ctypes.c_char_p), ("label", ctypes.c_char_p),
                ("status", ctypes.c_int), ("format", ctypes.c_char_p),
                ("records", ctypes.c_uint64), ("first", ctypes.c_uint64),
                ("spreadsheet", ctypes.c_int), ("sheet", ctypes.c_char_p),
                ("error", _ConvError)]


class _ConvJournalStamp(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint64), ("mtime_ns", ctypes.c_int64),
                ("hash", ctypes.c_uint64), ("hashed", ctypes.c_int),
                ("reserved_", ctypes.c_uint64 * 4)]


#: The ctypes copies of the library's structs, by their C names (for the
#: layout test).
STRUCTS = {"conv_error": _ConvError, "conv_stats": _ConvStats,
           "conv_finding": _ConvFinding, "conv_merge_input": _ConvMergeInput,
           "conv_journal_stamp": _ConvJournalStamp}

_FINDING_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(_ConvFinding))
_MERGE_STATUS = {0: "pending", 1: "ok", 2: "failed", 3: "canceled"}


class Error(Exception):
    """A libconv failure, positioned like the tools' messages.

    Attributes: file (the source, "" if none), line and column (1-based,
    0 when unknown; the column counts characters), record (1-based, 0 if
    none), field ("" if none), code (the library's number), code_name
    ("syntax", "io", ...) and message (one line).  str() gives
    "file:line:column: message".
    """

    def __init__(self, code, message, file="", line=0, column=0, record=0, field="",
                 text=None):
        self.code = code
        self.code_name = CODES.get(code, str(code))
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.record = record
        self.field = field
        super().__init__(text or message)

    @classmethod
    def _from(cls, err):
        buf = ctypes.create_string_buffer(1024)
        _lib.conv_error_format(ctypes.byref(err), buf, len(buf))
        dec = lambda b: b.decode("utf-8", "replace")
        return cls(err.code, dec(err.message), dec(err.source), err.line, err.column,
                   err.record, dec(err.field), dec(buf.value))


def _find():
    """LIBCONV_LIBRARY, else the system's libconv.so.0, else (running from
    the source tree) the one in build/lib beside this package."""
    path = os.environ.get("LIBCONV_LIBRARY")
    if path:
        return ctypes.CDLL(path)
    try:
        return ctypes.CDLL("libconv.so.0")
    except OSError:
        tree = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        built = os.path.join(tree, "build", "lib", "libconv.so.0")
        if os.path.exists(built):
            return ctypes.CDLL(built)
        raise


def _load():
    lib = _find()
    P = ctypes.c_void_p
    sigs = {
        "conv_version": (ctypes.c_char_p, []),
        "conv_version_number": (ctypes.c_ulong, []),
        "conv_options_error": (ctypes.POINTER(_ConvError), [P]),
        "conv_checker_new": (P, [P, ctypes.c_char_p, P, _FINDING_FN, P, P]),
        "conv_checker_check_file": (ctypes.c_int, [P, ctypes.c_char_p, P, P]),
        "conv_checker_free": (None, [P]),
        "conv_merge_new": (P, [P, P, P]),
        "conv_merge_add": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_char_p]),
        "conv_merge_count": (ctypes.c_size_t, [P]),
        "conv_merge_input": (ctypes.POINTER(_ConvMergeInput), [P, ctypes.c_size_t]),
        "conv_merge_write": (ctypes.c_int, [P, ctypes.c_char_p, _FINDING_FN, P, P]),
        "conv_merge_source_field": (ctypes.c_char_p, [P]),
        "conv_merge_records": (ctypes.c_uint64, [P]),
        "conv_merge_error": (ctypes.POINTER(_ConvError), [P]),
        "conv_merge_free": (None, [P]),
        "conv_error_format": (ctypes.c_size_t, [P, ctypes.c_char_p, ctypes.c_size_t]),
        "conv_context_new": (P, [P]),
        "conv_context_free": (None, [P]),
        "conv_options_new": (P, [P]),
        "conv_options_free": (None, [P]),
        "conv_options_set": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_char_p]),
        "conv_convert": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_char_p, P, P, P]),
        "conv_reader_open_file": (P, [P, ctypes.c_char_p, P, P]),
        "conv_reader_next": (ctypes.c_int, [P, ctypes.POINTER(P)]),
        "conv_reader_error": (ctypes.POINTER(_ConvError), [P]),
        "conv_reader_close": (None, [P]),
        "conv_record_count": (ctypes.c_size_t, [P]),
        "conv_record_name": (ctypes.c_char_p, [P, ctypes.c_size_t]),
        "conv_record_value": (ctypes.POINTER(_ConvValue), [P, ctypes.c_size_t]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    return lib


_lib = _load()


def version():
    """The version of the loaded library ("0.1.0")."""
    return _lib.conv_version().decode()


def version_number():
    """The version of the loaded library as one number, 0xMMmmpp (0x000100
    for 0.1.0)."""
    return _lib.conv_version_number()


__version__ = version()


def _path(p):
    return os.fsencode(p)


class _Handles:
    """A context and its options, freed together."""

    def __init__(self, options):
        self.ctx = _lib.conv_context_new(None)
        self.opts = _lib.conv_options_new(self.ctx) if self.ctx else None
        if not self.opts:
            self.close()
            raise MemoryError("libconv: out of memory")
        for key, value in options.items():
            if value is None or value is False:
                continue
            if value is True:
                value = "1"
            elif isinstance(value, os.PathLike):
                value = os.fspath(value)
            name = key.replace("_", "-")
            if _lib.conv_options_set(self.opts, name.encode(), str(value).encode()) != _OK:
                err = Error._from(_lib.conv_options_error(self.opts).contents)
                self.close()
                if err.code_name == "nomem":
                    raise MemoryError("libconv: out of memory")
                # Named as the caller wrote it: a keyword, '_' for '-'.
                msg = err.message.replace("'%s'" % name, "'%s'" % key, 1)
                if "did you mean '" in msg:
                    head, near = msg.rsplit("did you mean '", 1)
                    msg = head + "did you mean '" + near.replace("-", "_")
                raise Error(err.code, msg, text=msg)

    def close(self):
        _lib.conv_options_free(self.opts)
        _lib.conv_context_free(self.ctx)
        self.ctx = self.opts = None


def convert(src, dst, **options):
    """Convert file src to file dst ("-": standard input or output).

    Formats come from the extensions unless from_/to (or from="csv" via
    **{"from": "csv"}) say otherwise.  The output is written beside dst and
    renamed when complete: on failure nothing is left.
    Returns {"records": n, "bytes_in": n, "input_format": "csv",
    "output_format": "xlsx"}.  Raises Error.
    """
    if "from_" in options:
        options["from"] = options.pop("from_")
    h = _Handles(options)
    try:
        stats = _ConvStats()
        err = _ConvError()
        if _lib.conv_convert(h.ctx, _path(src), _path(dst), h.opts, ctypes.byref(stats),
                             ctypes.byref(err)) != _OK:
            raise Error._from(err)
        dec = lambda b: b.decode() if b else None
        return {"records": stats.records, "bytes_in": stats.bytes_in,
                "input_format": dec(stats.input_format),
                "output_format": dec(stats.output_format)}
    finally:
        h.close()


def _value(v):
    t = v.type
    if t == _NULL:
        return None
    text = ctypes.string_at(v.text, v.len).decode("utf-8")
    if t == _INTEGER:
        return int(text)
    if t == _DECIMAL:
        return decimal.Decimal(text)
    if t == _BOOLEAN:
        return text == "true"
    if t == _DATE:
        return datetime.date.fromisoformat(text)
    if t == _DATETIME:
        try:
            return datetime.datetime.fromisoformat(text)
        except ValueError:  # more precision than Python keeps: the exact text
            return text
    return text


def read(path, **options):
    """Iterate over the records of a file as dicts, fields in file order.

    Values: None (null), str, int (integer), decimal.Decimal (decimal, the
    digits exactly as in the file), bool, datetime.date, datetime.datetime
    (the text when Python cannot hold it exactly).  Options as convert()'s
    (schema=..., sheet=1, infer_rows=0, ...).  The file is open while the
    iteration runs and closed when it ends or the iterator is discarded.
    Raises Error, when opening or at the record that cannot be read.
    """
    if "from_" in options:
        options["from"] = options.pop("from_")
    h = _Handles(options)
    rd = None
    try:
        err = _ConvError()
        rd = _lib.conv_reader_open_file(h.ctx, _path(path), h.opts, ctypes.byref(err))
        if not rd:
            raise Error._from(err)
        rec = ctypes.c_void_p()
        count, name, value = _lib.conv_record_count, _lib.conv_record_name, _lib.conv_record_value
        names = {}
        while True:
            rc = _lib.conv_reader_next(rd, ctypes.byref(rec))
            if rc == _EOF:
                return
            if rc != _OK:
                raise Error._from(_lib.conv_reader_error(rd).contents)
            out = {}
            for i in range(count(rec)):
                raw = name(rec, i)
                key = names.get(raw)
                if key is None:
                    key = names[raw] = raw.decode("utf-8")
                out[key] = _value(value(rec, i).contents)
            yield out
    finally:
        if rd:
            _lib.conv_reader_close(rd)
        h.close()


def _options(options):
    if "from_" in options:
        options["from"] = options.pop("from_")
    return options


def _text(b):
    return b.decode("utf-8", "replace") if b is not None else None


def _finding(f):
    """A finding as a dict (struct conv_finding)."""
    w = f.where
    return {"rule": _text(f.rule), "severity": "error" if f.severity == 0 else "warning",
            "source": _text(w.source), "record": w.record, "line": w.line,
            "column": w.column, "sheet": _text(f.sheet), "cell": _text(f.cell),
            "field": _text(w.field) or None, "message": _text(w.message),
            "related_record": f.related_record or None,
            "related_line": f.related_line or None,
            "related_source": _text(f.related_source),
            "merged_record": f.merged_record or None}


def check(paths, profile=None, **options):
    """Run the indicator checks (conv-check's) on a file or a list of files,
    each alone, and yield every finding as a dict: rule, severity ("error"
    or "warning"), source (the file), record, line, column (or sheet and
    cell for workbooks), field, message, and related_record,
    related_line and related_source for the rules that compare two records
    (duplicate, growth, sum).  Options: the checks' (growth_tolerance=1,
    units="units.csv", ...) and the reading options (sheet=1, ...).
    Raises Error when a file cannot be read at all or an option is bad.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    h = _Handles(_options(options))
    found = []
    cb = _FINDING_FN(lambda user, f: found.append(_finding(f.contents)))
    chk = None
    try:
        err = _ConvError()
        chk = _lib.conv_checker_new(h.ctx, profile.encode() if profile else None, h.opts, cb,
                                    None, ctypes.byref(err))
        if not chk:
            raise Error._from(err)
        for path in paths:
            if _lib.conv_checker_check_file(chk, _path(path), h.opts,
                                            ctypes.byref(err)) != _OK:
                raise Error._from(err)
            yield from found
            found.clear()
    finally:
        _lib.conv_checker_free(chk)
        h.close()


def merge(inputs, dst, check=False, **options):
    """Merge many files into one dataset dst, as conv-batch --merge does.

    inputs: paths, or (path, label) pairs; a label is the input's value of
    the source field ("source_file", "source_file_2" when an input has that
    field), the path itself by default.  Fields are merged by name, first
    seen first; records keep input order.  An input that cannot be read is
    left out whole (its "status" is "failed", with its "error").  With
    check=True the indicator checks run on the merged set (a record
    repeated in two inputs is a duplicate); findings name each input.
    Options as convert()'s, for reading, writing and checking.
    Returns {"records": n, "source_field": name, "inputs": [{"path",
    "label", "status", "format", "records", "error"}], "findings": [...]}.
    Raises Error when nothing can be written (no output is then left).
    """
    h = _Handles(_options(options))
    m = None
    found = []
    cb = _FINDING_FN(lambda user, f: found.append(_finding(f.contents)))
    try:
        err = _ConvError()
        m = _lib.conv_merge_new(h.ctx, h.opts, ctypes.byref(err))
        if not m:
            raise Error._from(err)
        for item in inputs:
            path, label = (item if isinstance(item, tuple) else (item, None))
            if _lib.conv_merge_add(m, _path(path),
                                   os.fsencode(label) if label is not None else None) != _OK:
                raise Error._from(_lib.conv_merge_error(m).contents)
        rc = _lib.conv_merge_write(m, _path(dst), cb if check else _FINDING_FN(),
                                   None, ctypes.byref(err))
        result = {"records": _lib.conv_merge_records(m),
                  "source_field": _text(_lib.conv_merge_source_field(m)),
                  "inputs": [], "findings": found}
        for i in range(_lib.conv_merge_count(m)):
            p = _lib.conv_merge_input(m, i).contents
            result["inputs"].append({
                "path": _text(p.path), "label": _text(p.label),
                "status": _MERGE_STATUS.get(p.status, str(p.status)),
                "format": _text(p.format), "records": p.records,
                "error": Error._from(p.error) if p.error.code else None})
        if rc != _OK:
            raise Error._from(err)
        return result
    finally:
        _lib.conv_merge_free(m)
        h.close()
