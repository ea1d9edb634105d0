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

__all__ = ["convert", "read", "version", "Error"]

# enum conv_type
_NULL, _STRING, _INTEGER, _DECIMAL, _BOOLEAN, _DATE, _DATETIME = range(7)
_OK, _EOF, _ERR = 0, 1, -1

#: Error codes (enum conv_errcode), by name.
CODES = {
    0: "none", 1: "usage", 2: "format", 3: "syntax", 4: "encoding", 5: "type",
    6: "structure", 7: "schema", 8: "limit", 9: "io", 10: "nomem", 11: "canceled",
    12: "unsupported",
}


class _ConvError(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("line", ctypes.c_uint64),
                ("column", ctypes.c_uint64), ("offset", ctypes.c_uint64),
                ("record", ctypes.c_uint64), ("source", ctypes.c_char * 256),
                ("field", ctypes.c_char * 128), ("message", ctypes.c_char * 256)]


class _ConvValue(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("flags", ctypes.c_uint),
                ("len", ctypes.c_size_t), ("text", ctypes.c_void_p)]


class _ConvStats(ctypes.Structure):
    _fields_ = [("records", ctypes.c_uint64), ("bytes_in", ctypes.c_uint64),
                ("input_format", ctypes.c_char_p), ("output_format", ctypes.c_char_p)]


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
            if _lib.conv_options_set(self.opts, key.replace("_", "-").encode(),
                                     str(value).encode()) != _OK:
                self.close()
                raise MemoryError("libconv: out of memory")

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
