/* _fastlane: the lanes' commonest layouts read in C, and the offenders' aggregation.
 *
 * The lanes (lanes.py) read the busiest layouts of the busiest formats (a kernel firewall line, a
 * Cisco ASA deny or connection message, the commonest sshd messages) with one regular expression
 * and Python code per line. This module reads the same lines, in their commonest form (a BSD
 * syslog stamp, ASCII), without the expression and without Python code per line; it shares every
 * piece of state with the Python lanes, so that the two can take turns line by line:
 *
 *   - the lanes' shape tables (``Lane.shapes``): a line of a shape the lane has not learnt, or
 *     due for its check against the line loop (``RECHECK``), or left to the line loop (``SLOW``),
 *     is handed back to Python, which reads it exactly as before;
 *   - the syslog year inference (``ParseContext.syslog_stamp``, called once per distinct stamp,
 *     and again after every line Python read);
 *   - sshd's connections: each sshd line is booked by ``SshdFormat.rows`` itself, with the same
 *     arguments the sshd lane gives it.
 *
 * ``Engine.scan`` reads lines from a block until it meets one it leaves to Python, and appends
 * what the lanes would append: a row tuple per record, and a count per format name. Every line
 * it reads is one the lanes' expression matches with the same groups (a subset: anything not
 * in the forms below goes back to Python). tests/test_parsers_fastlane.py compares both paths.
 *
 * ``Aggregator`` is ``aggregate.OffenderSummary.add_row`` for every source of one parse, in C.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>


/* ----------------------------------------------------------------------------------------- */
/* Scanning helpers: a cursor over one line's bytes                                          */
/* ----------------------------------------------------------------------------------------- */

typedef struct {
    const char *s;
    Py_ssize_t n;
} span;

typedef struct {
    const char *p, *end;
} cur;

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }
static inline int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline int is_alnum(char c) { return is_digit(c) || is_alpha(c); }
static inline int is_word(char c) { return is_alnum(c) || c == '_'; }
static inline int is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static inline int is_lhex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
static inline int is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static inline __attribute__((always_inline)) int lit(cur *c, const char *s, Py_ssize_t n)
{
    if (c->end - c->p < n || memcmp(c->p, s, (size_t)n) != 0)
        return 0;
    c->p += n;
    return 1;
}
#define LIT(c, s) lit((c), (s), (Py_ssize_t)(sizeof(s) - 1))

static inline int at_end(const cur *c) { return c->p == c->end; }

/* \d+ (at least one digit) */
static inline __attribute__((always_inline)) int digits(cur *c, span *out)
{
    const char *q = c->p;
    while (q < c->end && is_digit(*q))
        q++;
    if (q == c->p)
        return 0;
    if (out) {
        out->s = c->p;
        out->n = q - c->p;
    }
    c->p = q;
    return 1;
}

/* a run of characters for which ``ok`` holds, at least ``min`` of them */
static inline __attribute__((always_inline)) int run(cur *c, int (*ok)(char), Py_ssize_t min, span *out)
{
    const char *q = c->p;
    while (q < c->end && ok(*q))
        q++;
    if (q - c->p < min)
        return 0;
    if (out) {
        out->s = c->p;
        out->n = q - c->p;
    }
    c->p = q;
    return 1;
}

static inline int is_ifname(char c) { return is_word(c) || c == '.' || c == '-'; }      /* [\w.-] */
static inline int is_nfif(char c) { return is_word(c) || c == '.' || c == '@' || c == '-'; } /* [\w.@-] */
static inline int is_mac(char c) { return is_hex(c) || c == ':'; }
static inline int is_user(char c) { return !is_space(c) && c != ':'; } /* [^\s:] */
static inline int is_hostc(char c) { return is_word(c) || c == '.' || c == '-'; }
static inline int is_session_user(char c) { return !is_space(c) && c != '(' && c != ')'; } /* [^\s()] */

/* \d{1,3}(\.\d{1,3}){3}, its value in *addr; *valid: every octet <= 255 (``normalise`` gives
 * None otherwise). The regex's octets may backtrack to fewer digits, but every use here is
 * followed by a character that is not a digit, so taking the longest run is the same. */
static inline __attribute__((always_inline)) int v4(cur *c, span *out, uint32_t *addr, int *valid)
{
    const char *start = c->p;
    uint32_t value = 0;
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        if (i && !LIT(c, "."))
            return 0;
        int n = 0, octet = 0;
        while (c->p < c->end && is_digit(*c->p) && n < 3) {
            octet = octet * 10 + (*c->p - '0');
            c->p++;
            n++;
        }
        if (n == 0)
            return 0;
        if (octet > 255)
            ok = 0;
        value = (value << 8) | (uint32_t)(octet & 0xff);
    }
    if (c->p < c->end && is_digit(*c->p))
        return 0; /* a fourth digit: no split of it fits what follows */
    out->s = start;
    out->n = c->p - start;
    *addr = value;
    *valid = ok;
    return 1;
}

static const char *MONTHS[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int month(cur *c)
{
    if (c->end - c->p < 3)
        return 0;
    for (int i = 0; i < 12; i++)
        if (memcmp(c->p, MONTHS[i], 3) == 0) {
            c->p += 3;
            return 1;
        }
    return 0;
}

/* \d\d:\d\d:\d\d */
static int hms(cur *c)
{
    const char *p = c->p;
    if (c->end - p < 8 || !is_digit(p[0]) || !is_digit(p[1]) || p[2] != ':' || !is_digit(p[3]) ||
        !is_digit(p[4]) || p[5] != ':' || !is_digit(p[6]) || !is_digit(p[7]))
        return 0;
    c->p += 8;
    return 1;
}

/* The 15-character BSD stamp the lanes read through ``syslog_stamp``: "Mmm dd hh:mm:ss" or
 * "Mmm  d hh:mm:ss". (Other lengths the expression allows go back to Python.) */
static int bsd15(cur *c, span *out)
{
    const char *p = c->p;
    if (c->end - p < 16)
        return 0;
    if (!month(c))
        return 0;
    if (!(p[3] == ' ' && ((p[4] == ' ' && is_digit(p[5])) || (is_digit(p[4]) && is_digit(p[5]))) &&
          p[6] == ' ')) {
        c->p = p;
        return 0;
    }
    c->p = p + 7;
    if (!hms(c)) {
        c->p = p;
        return 0;
    }
    out->s = p;
    out->n = 15;
    return 1;
}

/* [A-Za-z0-9][\w.-]* then a space */
static int host(cur *c, span *out)
{
    if (at_end(c) || !is_alnum(*c->p))
        return 0;
    if (!run(c, is_hostc, 1, out))
        return 0;
    return LIT(c, " ");
}

/* ----------------------------------------------------------------------------------------- */
/* Interned values: addresses (as ``normalise`` writes them) and short texts                 */
/* ----------------------------------------------------------------------------------------- */

typedef struct {
    uint32_t key;
    PyObject *value; /* NULL: empty slot */
} AddrSlot;

enum { ADDR_TABLE_MAX = 1 << 16 }; /* addresses kept as text at most (as ``normalise`` caches) */

typedef struct {
    AddrSlot *slots;
    size_t size, used; /* size: a power of two */
} AddrTable;

static void addr_free(AddrTable *t)
{
    if (t->slots) {
        for (size_t i = 0; i < t->size; i++)
            Py_XDECREF(t->slots[i].value);
        PyMem_Free(t->slots);
    }
    t->slots = NULL;
    t->size = t->used = 0;
}

static int addr_grow(AddrTable *t)
{
    size_t size = t->size ? t->size * 2 : 1024;
    AddrSlot *slots = PyMem_Calloc(size, sizeof(AddrSlot));
    if (!slots) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < t->size; i++) {
        if (!t->slots[i].value)
            continue;
        size_t j = (t->slots[i].key * 2654435761u) & (size - 1);
        while (slots[j].value)
            j = (j + 1) & (size - 1);
        slots[j] = t->slots[i];
    }
    PyMem_Free(t->slots);
    t->slots = slots;
    t->size = size;
    return 0;
}

/* The dotted quad of ``addr`` as a str, borrowed: the table keeps it until it is full and starts
 * again, so a caller holding one across another call takes its own reference. */
static PyObject *addr_text(AddrTable *t, uint32_t addr)
{
    if (t->used >= ADDR_TABLE_MAX)
        addr_free(t); /* bounded memory: a log of millions of addresses starts the table again */
    if (t->used * 2 >= t->size && addr_grow(t) < 0)
        return NULL;
    size_t j = (addr * 2654435761u) & (t->size - 1);
    while (t->slots[j].value) {
        if (t->slots[j].key == addr)
            return t->slots[j].value;
        j = (j + 1) & (t->size - 1);
    }
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
                     addr & 0xff);
    PyObject *text = PyUnicode_FromStringAndSize(buf, n);
    if (!text)
        return NULL;
    t->slots[j].key = addr;
    t->slots[j].value = text;
    t->used++;
    return text;
}

/* A port as ``int`` of its digits, None (Py_None, new ref) above 65535 (as ``_row`` does). */
static PyObject *port_int(span s)
{
    Py_ssize_t i = 0;
    while (i < s.n - 1 && s.s[i] == '0')
        i++;
    if (s.n - i > 5)
        Py_RETURN_NONE;
    long v = 0;
    for (; i < s.n; i++)
        v = v * 10 + (s.s[i] - '0');
    if (v > 65535)
        Py_RETURN_NONE;
    return PyLong_FromLong(v);
}

/* the context's year inference (base.ParseContext) */
static PyObject *A_year, *A_last_syslog, *A_last_stamp, *A_last_utc, *A_last_text, *A_zone;

/* An attribute of an instance that keeps its attributes in its __dict__ (the context, a
 * connection: dataclasses), read from that dict (``d``), else as getattr finds it: a new
 * reference. Written with PyDict_SetItem on the same dict, as setattr would. */
static PyObject *dget(PyObject *d, PyObject *name, PyObject *obj)
{
    PyObject *v = PyDict_GetItemWithError(d, name);
    if (v) {
        Py_INCREF(v);
        return v;
    }
    return PyErr_Occurred() ? NULL : PyObject_GetAttr(obj, name);
}

/* the attributes of an sshd connection (auth._Conn), in this order */
static PyObject *A_host, *A_users, *A_pending, *A_dst, *A_dst_port, *A_src_port, *A_failed;
enum { C_HOST, C_USERS, C_PENDING, C_DST, C_DST_PORT, C_SRC_PORT, C_FAILED };
static PyObject **const CONN_ATTRS[7] = {&A_host, &A_users, &A_pending, &A_dst, &A_dst_port, &A_src_port, &A_failed};

/* ----------------------------------------------------------------------------------------- */
/* Rows: what the engine read, (src, at, kind, dst, dport, signature, location, sport) each,     */
/* kept without a tuple per row until the aggregator takes them                               */
/* ----------------------------------------------------------------------------------------- */

typedef struct {
    PyObject *v[8]; /* owned */
} Row;

typedef struct {
    PyObject_HEAD
    Row *rows;
    Py_ssize_t n, cap;
} RowBuf;

static PyTypeObject RowBufType;

/* Append a row; the values are borrowed (the buffer takes its own references). */
static int rows_push(PyObject *buf, PyObject *const *v)
{
    RowBuf *b = (RowBuf *)buf;
    if (b->n == b->cap) {
        Py_ssize_t cap = b->cap ? b->cap * 2 : 1024;
        Row *rows = PyMem_Realloc(b->rows, (size_t)cap * sizeof(Row));
        if (!rows) {
            PyErr_NoMemory();
            return -1;
        }
        b->rows = rows;
        b->cap = cap;
    }
    for (int i = 0; i < 8; i++) {
        Py_INCREF(v[i]);
        b->rows[b->n].v[i] = v[i];
    }
    b->n++;
    return 0;
}

static void rows_clear(RowBuf *b)
{
    for (Py_ssize_t i = 0; i < b->n; i++)
        for (int j = 0; j < 8; j++)
            Py_DECREF(b->rows[i].v[j]);
    b->n = 0;
}

static void rowbuf_dealloc(RowBuf *b)
{
    rows_clear(b);
    PyMem_Free(b->rows);
    Py_TYPE(b)->tp_free((PyObject *)b);
}

static Py_ssize_t rowbuf_len(RowBuf *b) { return b->n; }

static PyObject *rowbuf_tolist(RowBuf *b, PyObject *unused)
{
    PyObject *out = PyList_New(b->n);
    if (!out)
        return NULL;
    for (Py_ssize_t i = 0; i < b->n; i++) {
        PyObject *t = PyTuple_New(8);
        if (!t) {
            Py_DECREF(out);
            return NULL;
        }
        for (int j = 0; j < 8; j++) {
            Py_INCREF(b->rows[i].v[j]);
            PyTuple_SET_ITEM(t, j, b->rows[i].v[j]);
        }
        PyList_SET_ITEM(out, i, t);
    }
    return out;
}

static PyObject *rowbuf_iter(RowBuf *b)
{
    PyObject *rows = rowbuf_tolist(b, NULL);
    if (!rows)
        return NULL;
    PyObject *it = PyObject_GetIter(rows);
    Py_DECREF(rows);
    return it;
}

static PySequenceMethods rowbuf_sequence = {.sq_length = (lenfunc)rowbuf_len};

static PyMethodDef rowbuf_methods[] = {
    {"tolist", (PyCFunction)rowbuf_tolist, METH_NOARGS, "the rows as tuples"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RowBufType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "incidents.parsers._fastlane.Rows",
    .tp_basicsize = sizeof(RowBuf),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Rows the engine read, for Aggregator.add_rows (as tuples: tolist(), or iterate).",
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)rowbuf_dealloc,
    .tp_as_sequence = &rowbuf_sequence,
    .tp_iter = (getiterfunc)rowbuf_iter,
    .tp_methods = rowbuf_methods,
};

/* ----------------------------------------------------------------------------------------- */
/* The engine                                                                                 */
/* ----------------------------------------------------------------------------------------- */

typedef struct {
    char text[32];
    Py_ssize_t n; /* 0: nothing cached */
    PyObject *at;
} Stamp;

/* The lanes' shape entries found so far, by the bytes of their key (``sigbuf``): a key's entry is
 * one list for the whole parse (``Lane.learn`` changes it in place), so it is looked up in the
 * lane's dict once. */
typedef struct {
    uint64_t hash;
    char *sig; /* NULL: empty slot */
    Py_ssize_t n;
    PyObject *entry;
} ShapeSlot;

typedef struct {
    ShapeSlot *slots;
    size_t size, used;
} ShapeCache;

static uint64_t fnv1a(const char *s, Py_ssize_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static void shapes_free(ShapeCache *c)
{
    if (c->slots) {
        for (size_t i = 0; i < c->size; i++)
            if (c->slots[i].sig) {
                PyMem_Free(c->slots[i].sig);
                Py_DECREF(c->slots[i].entry);
            }
        PyMem_Free(c->slots);
    }
    c->slots = NULL;
    c->size = c->used = 0;
}

static ShapeSlot *shapes_find(ShapeCache *c, const char *sig, Py_ssize_t n, uint64_t h)
{
    if (!c->size)
        return NULL;
    size_t j = (size_t)h & (c->size - 1);
    while (c->slots[j].sig) {
        if (c->slots[j].hash == h && c->slots[j].n == n && memcmp(c->slots[j].sig, sig, (size_t)n) == 0)
            return &c->slots[j];
        j = (j + 1) & (c->size - 1);
    }
    return NULL;
}

static int shapes_add(ShapeCache *c, const char *sig, Py_ssize_t n, uint64_t h, PyObject *entry)
{
    if (c->used >= 65536)
        return 0; /* enough: further shapes are looked up each time */
    if ((c->used + 1) * 2 > c->size) {
        size_t size = c->size ? c->size * 2 : 256;
        ShapeSlot *slots = PyMem_Calloc(size, sizeof(ShapeSlot));
        if (!slots) {
            PyErr_NoMemory();
            return -1;
        }
        for (size_t i = 0; i < c->size; i++) {
            if (!c->slots[i].sig)
                continue;
            size_t j = (size_t)c->slots[i].hash & (size - 1);
            while (slots[j].sig)
                j = (j + 1) & (size - 1);
            slots[j] = c->slots[i];
        }
        PyMem_Free(c->slots);
        c->slots = slots;
        c->size = size;
    }
    char *copy = PyMem_Malloc((size_t)n);
    if (!copy) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, sig, (size_t)n);
    size_t j = (size_t)h & (c->size - 1);
    while (c->slots[j].sig)
        j = (j + 1) & (c->size - 1);
    c->slots[j].hash = h;
    c->slots[j].sig = copy;
    c->slots[j].n = n;
    Py_INCREF(entry);
    c->slots[j].entry = entry;
    c->used++;
    return 0;
}

typedef struct {
    int loaded, dirty; /* read from the context (years_load); changed since */
    int utc;           /* its ``_zone`` is UTC itself */
    PyObject *zone;    /* its ``_zone`` */
    long year;         /* ``_year`` (-1: None) */
    PyObject *last;    /* ``_last_syslog`` (NULL: made from last_us at years_flush) */
    int last_known;    /* 1: ``last_us`` is its wall clock, in ``zone``; 0: it is None; -1: something else */
    int64_t last_us;
    PyObject *utc_at;  /* ``_last_utc`` */
    int stamp_known;   /* ``_last_stamp`` is (mon, day, hms) */
    char mon[3], hms[8];
    int day;
    char text[32];     /* ``_last_text``: text_n bytes (-1: None, or not kept) */
    Py_ssize_t text_n;
} Years;

/* Keywords: which of many short texts occur in a line (the line loop's choice of candidates; see
 * the type below) */
typedef struct Keywords {
    PyObject_HEAD
    Py_ssize_t count;       /* keywords */
    char **text;            /* each keyword's UTF-8 bytes */
    Py_ssize_t *len;
    uint32_t *by_pair;      /* keywords of two bytes or more, sorted by their first two bytes */
    uint32_t *pair_start;   /* 65537 offsets into by_pair */
    uint32_t *single;       /* one-byte keywords: per byte, its keyword + 1 (0: none) */
} Keywords;

static PyTypeObject KeywordsType;

/* Marks in ``bits`` (NULL: only answers) the keywords that occur in s[:n]; whether any does. */
static inline __attribute__((always_inline)) int keywords_scan(Keywords *k, const char *s, Py_ssize_t n,
                                                               uint64_t *bits)
{
    int any = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        uint32_t one = k->single[c];
        if (one) {
            if (!bits)
                return 1;
            bits[(one - 1) / 64] |= 1ull << ((one - 1) % 64);
            any = 1;
        }
        if (i + 1 < n) {
            int p = c << 8 | (unsigned char)s[i + 1];
            for (uint32_t j = k->pair_start[p]; j < k->pair_start[p + 1]; j++) {
                uint32_t w = k->by_pair[j];
                if (k->len[w] <= n - i && memcmp(s + i, k->text[w], (size_t)k->len[w]) == 0) {
                    if (!bits)
                        return 1;
                    bits[w / 64] |= 1ull << (w % 64);
                    any = 1;
                }
            }
        }
    }
    return any;
}

static int keywords_any(Keywords *k, const char *s, Py_ssize_t n) { return keywords_scan(k, s, n, NULL); }

typedef struct {
    PyObject_HEAD
    /* the lanes taking part (NULL: that lane is not used in this parse) */
    PyObject *nf_shapes, *asa_shapes, *ssh_shapes; /* each lane's ``shapes`` dict */
    PyObject *nf_keywords;                         /* the line loop's Keywords (NULL: none) */
    PyObject *asa_at;                              /* AsaLane.at(mon, day, hms, year) */
    PyObject *ssh_conns;                           /* the parse's sshd connections */
    PyObject *ssh_ours;                            /* _dst(host) */
    PyObject *ssh_conn;                            /* the class of a connection (auth._Conn) */
    Py_ssize_t conn_slot[7];                       /* its attributes' slot offsets (-1: getattr) */
    PyObject *conn_template;                       /* a new connection, to copy (NULL: call the class) */
    char last_host[64];                            /* the last sshd line's host, and _dst of it */
    Py_ssize_t last_host_n;
    PyObject *last_ours;
    Py_ssize_t max_connections;
    PyObject *several;                             /* "sshd: several user names tried ..." */
    PyObject *failed_login;
    PyObject *ctx, *stamp;                         /* the context, its syslog_stamp */
    PyObject *ctx_dict;                            /* the context's __dict__ */
    PyObject *slow;                                /* lanes.SLOW */
    PyObject *bye, *fail_invalid, *fail_too_many;  /* sshd's failures as the lane gives them */
    PyObject *fail_method[3][2];                   /* "sshd: failed <method>[ for invalid user]" */
    PyObject *sshd_name;                           /* "sshd" */
    long recheck;
    int complete; /* every lane of the parse is one of these three */
    /* the line loop's keywords, when no format without keywords wants a BSD-stamped line: such a
     * line that no lane reads and that holds none of them is passed over (NULL: handed to Python) */
    PyObject *quiet;
    /* caches */
    PyObject *keys;   /* bytes -> shape key tuple */
    PyObject *ours;   /* host str -> _dst(host) */
    AddrTable addrs;
    ShapeCache shapes;
    /* the last stamp read through the context's year inference, and the last with its own year
     * (a pure function of its text: it moves no state, and is kept while Python reads lines) */
    Stamp inferred, dated;
    /* the format names counted since the last flush, in first-seen order */
    PyObject *last_name;
    Py_ssize_t last_count;
    struct Word *words; /* short texts made str (engine_word; NULL until the first) */
    Years years;
    /* the UTC offset of a minute of wall clock in a zone (zone_offset) */
    PyObject *off_zone;
    int64_t off_minute, off_us;
} Engine;

enum { WORDS = 4096, WORD_MAX = 24 };

typedef struct Word {
    Py_ssize_t n;
    char text[WORD_MAX];
    PyObject *str;
} Word;

/* A text of a line as a str (a new reference): a short one is the same object while it stays in a
 * small table indexed by its hash. sshd's pids, user names and ports, and the hosts, prefixes and
 * names of the shape keys recur, and a str made once keeps its hash for the dicts and sets it goes
 * into. Bounded: a new text takes its slot from the one before. */
static PyObject *engine_word(Engine *e, span s)
{
    if (s.n > WORD_MAX)
        return PyUnicode_DecodeASCII(s.s, s.n, NULL);
    if (!e->words && !(e->words = PyMem_Calloc(WORDS, sizeof(Word))))
        return PyErr_NoMemory();
    Word *w = &e->words[fnv1a(s.s, s.n) & (WORDS - 1)];
    if (w->str && w->n == s.n && memcmp(w->text, s.s, (size_t)s.n) == 0) {
        Py_INCREF(w->str);
        return w->str;
    }
    PyObject *str = PyUnicode_DecodeASCII(s.s, s.n, NULL);
    if (!str)
        return NULL;
    Py_INCREF(str);
    Py_XSETREF(w->str, str);
    w->n = s.n;
    memcpy(w->text, s.s, (size_t)s.n);
    return str;
}

static void words_free(Engine *e)
{
    if (!e->words)
        return;
    for (int i = 0; i < WORDS; i++)
        Py_CLEAR(e->words[i].str);
    PyMem_Free(e->words);
    e->words = NULL;
}

static void stamp_forget(Stamp *slot)
{
    slot->n = 0;
    Py_CLEAR(slot->at);
}

/* The time of a stamp: ``fn(*args)`` once per distinct stamp text in a row (borrowed result). */
static PyObject *engine_time(Stamp *slot, span stamp, PyObject *fn, PyObject *args)
{
    if (slot->n == stamp.n && memcmp(slot->text, stamp.s, (size_t)stamp.n) == 0)
        return slot->at;
    PyObject *at = PyObject_CallObject(fn, args);
    if (!at)
        return NULL;
    Py_XSETREF(slot->at, at);
    if (stamp.n <= (Py_ssize_t)sizeof slot->text) {
        memcpy(slot->text, stamp.s, (size_t)stamp.n);
        slot->n = stamp.n;
    } else {
        slot->n = 0;
    }
    return at;
}

/* --- year inference in C: ParseContext.syslog_stamp / syslog_time, for the evidence in UTC ----- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(long y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* The wall clock of an aware datetime whose tzinfo is ``zone``, as microseconds since 1970 (how
 * Python compares two datetimes of the same tzinfo); -1: not one. */
static int wall_us(PyObject *dt, PyObject *zone, int64_t *out)
{
    if (!PyDateTime_CheckExact(dt) || PyDateTime_DATE_GET_TZINFO(dt) != zone)
        return -1;
    int64_t days = days_from_civil(PyDateTime_GET_YEAR(dt), (unsigned)PyDateTime_GET_MONTH(dt),
                                   (unsigned)PyDateTime_GET_DAY(dt));
    *out = ((days * 86400 + PyDateTime_DATE_GET_HOUR(dt) * 3600 + PyDateTime_DATE_GET_MINUTE(dt) * 60 +
             PyDateTime_DATE_GET_SECOND(dt)) * 1000000) + PyDateTime_DATE_GET_MICROSECOND(dt);
    return 0;
}

/* microseconds since the epoch of an aware datetime in UTC (tzinfo the UTC singleton); -1: not one */
static int epoch_us(PyObject *dt, int64_t *out) { return wall_us(dt, PyDateTime_TimeZone_UTC, out); }

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* The date of a day counted from 1970-01-01 (the inverse of days_from_civil). */
static void civil_from_days(int64_t z, int64_t *year, int *month, int *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int64_t)yoe + era * 400 + (*month <= 2);
}

/* A datetime of ``us`` microseconds of wall clock since 1970 with ``tzinfo`` (Py_None: naive);
 * NULL with no error set when its year is out of datetime's range. */
static PyObject *datetime_of(int64_t us, PyObject *tzinfo)
{
    int64_t days = floor_div(us, (int64_t)86400 * 1000000), rest = us - days * 86400 * 1000000, year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    if (year < 1 || year > 9999)
        return NULL;
    int64_t secs = rest / 1000000;
    return PyDateTimeAPI->DateTime_FromDateAndTime((int)year, month, day, (int)(secs / 3600), (int)(secs / 60 % 60),
                                                   (int)(secs % 60), (int)(rest % 1000000), tzinfo,
                                                   PyDateTimeAPI->DateTimeType);
}


static PyObject *A_utcoffset;

/* The UTC offset (microseconds) of wall clock ``local_us`` in ``zone``, as ``zone.utcoffset``
 * gives it for a naive time (fold 0, as ``datetime(..., tzinfo=zone)`` reads it), asked once per
 * minute of wall clock, for its first and last second: 1 known, 0 Python must answer (the offset
 * changes within that minute, or is no timedelta), -1 error. */
static int zone_offset(Engine *e, PyObject *zone, int64_t local_us, int64_t *off)
{
    int64_t minute = floor_div(local_us, 60000000);
    if (e->off_zone == zone && e->off_minute == minute) {
        *off = e->off_us;
        return 1;
    }
    int64_t found[2];
    for (int i = 0; i < 2; i++) {
        PyObject *naive = datetime_of(minute * 60000000 + i * 59000000, Py_None);
        if (!naive)
            return PyErr_Occurred() ? -1 : 0;
        PyObject *delta = PyObject_CallMethodOneArg(zone, A_utcoffset, naive);
        Py_DECREF(naive);
        if (!delta)
            return -1;
        int ok = PyDelta_CheckExact(delta);
        if (ok)
            found[i] = ((int64_t)PyDateTime_DELTA_GET_DAYS(delta) * 86400 + PyDateTime_DELTA_GET_SECONDS(delta)) *
                           1000000 +
                       PyDateTime_DELTA_GET_MICROSECONDS(delta);
        Py_DECREF(delta);
        if (!ok)
            return 0;
    }
    if (found[0] != found[1])
        return 0;
    Py_INCREF(zone);
    Py_XSETREF(e->off_zone, zone);
    e->off_minute = minute;
    e->off_us = found[0];
    *off = found[0];
    return 1;
}

/* Year inference's state while the engine reads lines: the context's ``_last_*``, read from
 * it at the first stamp of a scan and written back before Python reads a line (years_flush),
 * so that a new stamp costs no dict traffic. ``_year`` and ``_zone`` are only read. */
static int years_load(Engine *e)
{
    Years *y = &e->years;
    PyObject *ctx = e->ctx, *cd = e->ctx_dict, *v;
    y->text_n = -1;
    y->stamp_known = 0;
    if (!(v = dget(cd, A_last_text, ctx)))
        return -1;
    if (PyUnicode_CheckExact(v) && PyUnicode_IS_ASCII(v) && PyUnicode_GET_LENGTH(v) <= (Py_ssize_t)sizeof y->text) {
        y->text_n = PyUnicode_GET_LENGTH(v);
        memcpy(y->text, PyUnicode_1BYTE_DATA(v), (size_t)y->text_n);
    }
    Py_DECREF(v);
    if (!(v = dget(cd, A_last_stamp, ctx)))
        return -1;
    if (PyTuple_CheckExact(v) && PyTuple_GET_SIZE(v) == 3) {
        PyObject *mon = PyTuple_GET_ITEM(v, 0), *day = PyTuple_GET_ITEM(v, 1), *hms = PyTuple_GET_ITEM(v, 2);
        if (PyUnicode_CheckExact(mon) && PyUnicode_IS_ASCII(mon) && PyUnicode_GET_LENGTH(mon) == 3 &&
            PyLong_CheckExact(day) && PyUnicode_CheckExact(hms) && PyUnicode_IS_ASCII(hms) &&
            PyUnicode_GET_LENGTH(hms) == 8) {
            int overflow;
            long d = PyLong_AsLongAndOverflow(day, &overflow);
            if (!overflow && d >= 0 && d <= 99) {
                memcpy(y->mon, PyUnicode_1BYTE_DATA(mon), 3);
                memcpy(y->hms, PyUnicode_1BYTE_DATA(hms), 8);
                y->day = (int)d;
                y->stamp_known = 1;
            }
        }
    }
    Py_DECREF(v);
    if (!(v = dget(cd, A_last_utc, ctx)))
        return -1;
    Py_XSETREF(y->utc_at, v);
    if (!(v = dget(cd, A_zone, ctx)))
        return -1;
    y->utc = v == PyDateTime_TimeZone_UTC;
    Py_XSETREF(y->zone, v);
    if (!(v = dget(cd, A_last_syslog, ctx)))
        return -1;
    Py_XSETREF(y->last, v);
    y->last_known = v == Py_None ? 0 : wall_us(v, y->zone, &y->last_us) == 0 ? 1 : -1;
    if (!(v = dget(cd, A_year, ctx)))
        return -1;
    y->year = PyLong_CheckExact(v) ? PyLong_AsLong(v) : -1;
    Py_DECREF(v);
    if (PyErr_Occurred())
        return -1;
    y->loaded = 1;
    y->dirty = 0;
    return 0;
}

/* Write the state back to the context (when it changed) and forget it: Python may read or move it next. */
static int years_flush(Engine *e)
{
    Years *y = &e->years;
    int r = 0;
    if (y->loaded && y->dirty) {
        PyObject *cd = e->ctx_dict;
        PyObject *mon = PyUnicode_DecodeASCII(y->mon, 3, NULL), *day = PyLong_FromLong(y->day);
        PyObject *hms = PyUnicode_DecodeASCII(y->hms, 8, NULL);
        PyObject *stamp = mon && day && hms ? PyTuple_Pack(3, mon, day, hms) : NULL;
        PyObject *text = y->text_n < 0 ? (Py_INCREF(Py_None), Py_None) : PyUnicode_DecodeASCII(y->text, y->text_n, NULL);
        if (!y->last && stamp && text)
            y->last = datetime_of(y->last_us, y->zone);
        r = stamp && text && y->last && PyDict_SetItem(cd, A_last_syslog, y->last) == 0 &&
                    PyDict_SetItem(cd, A_last_stamp, stamp) == 0 && PyDict_SetItem(cd, A_last_utc, y->utc_at) == 0 &&
                    PyDict_SetItem(cd, A_last_text, text) == 0
                ? 0
                : -1;
        Py_XDECREF(mon);
        Py_XDECREF(day);
        Py_XDECREF(hms);
        Py_XDECREF(stamp);
        Py_XDECREF(text);
    }
    y->loaded = y->dirty = 0;
    Py_CLEAR(y->last);
    Py_CLEAR(y->utc_at);
    Py_CLEAR(y->zone);
    return r;
}

/* What ``ctx.syslog_time(month, day, hms)`` gives (``text``: what ``syslog_stamp(text)`` gives),
 * with the same effect on the context's year inference (kept in ``e->years`` until
 * years_flush), computed here when the evidence is in UTC and nothing out of the ordinary
 * happens (the first stamp, a date that does not exist, New Year): a new reference; NULL with no
 * error set when Python must answer (the state is then written back for it). */
static PyObject *ctx_syslog(Engine *e, const char *mon, int day, const char *hms, span text)
{
    Years *y = &e->years;
    if (!y->loaded && years_load(e) < 0)
        return NULL;
    /* the context's own short cuts first: the same text, the same stamp */
    if (text.s && y->text_n == text.n && memcmp(y->text, text.s, (size_t)text.n) == 0 && y->utc_at) {
        Py_INCREF(y->utc_at);
        return y->utc_at;
    }
    int same_stamp = y->stamp_known && y->day == day && memcmp(y->mon, mon, 3) == 0 && memcmp(y->hms, hms, 8) == 0;
    if (same_stamp && text.s && text.n > (Py_ssize_t)sizeof y->text)
        same_stamp = 0; /* a text too long to keep: Python answers */
    if (same_stamp) {
        if (text.s) {
            memcpy(y->text, text.s, (size_t)text.n);
            y->text_n = text.n;
            y->dirty = 1;
        }
        Py_INCREF(y->utc_at);
        return y->utc_at;
    }
    /* a new stamp: year inference as ``_syslog_time`` does it, for UTC */
    long year = y->year;
    int m = 0;
    for (int i = 0; i < 12; i++)
        if (memcmp(mon, MONTHS[i], 3) == 0)
            m = i + 1;
    int hour = (hms[0] - '0') * 10 + hms[1] - '0', minute = (hms[3] - '0') * 10 + hms[4] - '0',
        second = (hms[6] - '0') * 10 + hms[7] - '0';
    int64_t when_us = 0, off = 0;
    int ours = y->zone && y->zone != Py_None && year >= 1 && year <= 9998 && m && day >= 1 &&
               day <= days_in_month(year, m) && hour <= 23 && minute <= 59 && second <= 59 &&
               (!text.s || text.n <= (Py_ssize_t)sizeof y->text);
    if (ours) {
        when_us = (days_from_civil(year, (unsigned)m, (unsigned)day) * 86400 + hour * 3600 + minute * 60 + second) *
                  1000000;
        /* New Year, a line from before it logged after it, or a state this does not know: Python answers */
        const int64_t half_year = (int64_t)180 * 86400 * 1000000;
        ours = y->last_known == 0 ||
               (y->last_known == 1 && when_us >= y->last_us - half_year && when_us <= y->last_us + half_year);
    }
    if (ours && !y->utc && (ours = zone_offset(e, y->zone, when_us, &off)) < 0)
        return NULL;
    PyObject *when = NULL;
    if (ours) { /* the time in UTC: ``when.astimezone(UTC)`` */
        when = y->utc ? PyDateTimeAPI->DateTime_FromDateAndTime((int)year, m, day, hour, minute, second, 0,
                                                               PyDateTime_TimeZone_UTC, PyDateTimeAPI->DateTimeType)
                      : datetime_of(when_us - off, PyDateTime_TimeZone_UTC);
        if (!when && PyErr_Occurred())
            return NULL;
        ours = when != NULL;
    }
    if (!ours) {
        years_flush(e); /* an error it meets stays set for the caller */
        return NULL;
    }
    /* ``_last_syslog`` is ``when`` in the zone: the same object in UTC, else made when written back */
    if (y->utc) {
        Py_INCREF(when);
        Py_XSETREF(y->last, when);
    } else {
        Py_CLEAR(y->last);
    }
    Py_INCREF(when);
    Py_XSETREF(y->utc_at, when);
    y->last_us = when_us;
    y->last_known = 1;
    memcpy(y->mon, mon, 3);
    memcpy(y->hms, hms, 8);
    y->day = day;
    y->stamp_known = 1;
    y->text_n = -1;
    if (text.s) {
        memcpy(y->text, text.s, (size_t)text.n);
        y->text_n = text.n;
    }
    y->dirty = 1;
    return when;
}

/* Keep ``at`` (a new reference) in ``slot`` for the stamp ``text``; borrowed result. */
static PyObject *slot_keep(Stamp *slot, span text, PyObject *at)
{
    Py_XSETREF(slot->at, at);
    if (text.n <= (Py_ssize_t)sizeof slot->text) {
        memcpy(slot->text, text.s, (size_t)text.n);
        slot->n = text.n;
    } else {
        slot->n = 0;
    }
    return at;
}

static PyObject *engine_bsd_time(Engine *e, span stamp)
{
    if (e->inferred.n == stamp.n && memcmp(e->inferred.text, stamp.s, (size_t)stamp.n) == 0)
        return e->inferred.at;
    {
        int day = (stamp.s[4] == ' ' ? 0 : stamp.s[4] - '0') * 10 + stamp.s[5] - '0';
        PyObject *at = ctx_syslog(e, stamp.s, day, stamp.s + 7, stamp);
        if (at)
            return slot_keep(&e->inferred, stamp, at);
        if (PyErr_Occurred())
            return NULL;
    }
    PyObject *text = PyUnicode_DecodeASCII(stamp.s, stamp.n, NULL);
    if (!text)
        return NULL;
    PyObject *args = PyTuple_Pack(1, text);
    Py_DECREF(text);
    if (!args)
        return NULL;
    PyObject *at = engine_time(&e->inferred, stamp, e->stamp, args);
    Py_DECREF(args);
    return at;
}

/* Add the count of the current run of one format's lines to ``names``. */
static int engine_flush_names(Engine *e, PyObject *names)
{
    if (!e->last_name || !e->last_count)
        return 0;
    PyObject *had = PyDict_GetItemWithError(names, e->last_name);
    if (!had && PyErr_Occurred())
        return -1;
    Py_ssize_t before = had ? PyLong_AsSsize_t(had) : 0;
    PyObject *total = PyLong_FromSsize_t(before + e->last_count);
    if (!total || PyDict_SetItem(names, e->last_name, total) < 0) {
        Py_XDECREF(total);
        return -1;
    }
    Py_DECREF(total);
    e->last_count = 0;
    return 0;
}

/* Count one line (or row) of format ``name`` in ``names`` (a dict: the names in the order first
 * seen, as the lanes' rows list them); a run of one name is added up in C. */
static int engine_count(Engine *e, PyObject *name, PyObject *names)
{
    if (e->last_name != name) {
        if (engine_flush_names(e, names) < 0)
            return -1;
        Py_INCREF(name);
        Py_XSETREF(e->last_name, name);
    }
    if (e->last_count == 0) {
        int in = PyDict_Contains(names, name);
        if (in < 0)
            return -1;
        if (!in) {
            PyObject *zero = PyLong_FromLong(0);
            int r = zero ? PyDict_SetItem(names, name, zero) : -1;
            Py_XDECREF(zero);
            if (r < 0)
                return -1;
        }
    }
    e->last_count++;
    return 0;
}

/* The shape key tuple a lane would build, interned through ``keys`` by its bytes ``sig``
 * (made by the caller from the same fields); ``make`` builds it when it is new. */
typedef PyObject *(*key_maker)(Engine *, void *);

static PyObject *engine_key(Engine *e, const char *sig, Py_ssize_t n, key_maker make, void *arg)
{
    PyObject *b = PyBytes_FromStringAndSize(sig, n);
    if (!b)
        return NULL;
    PyObject *key = PyDict_GetItemWithError(e->keys, b);
    if (key) {
        Py_DECREF(b);
        Py_INCREF(key);
        return key;
    }
    if (PyErr_Occurred()) {
        Py_DECREF(b);
        return NULL;
    }
    key = make(e, arg);
    if (!key) {
        Py_DECREF(b);
        return NULL;
    }
    if (PyDict_GET_SIZE(e->keys) < 65536 && PyDict_SetItem(e->keys, b, key) < 0) {
        Py_DECREF(b);
        Py_DECREF(key);
        return NULL;
    }
    Py_DECREF(b);
    return key;
}

/* Append the bytes of ``parts`` (spans; a NULL .s stands for "absent") to a signature buffer. */
typedef struct {
    char buf[1024];
    Py_ssize_t n;
    int overflow;
} sigbuf;

static void sig_add(sigbuf *b, span s)
{
    /* absent and empty differ: a marker byte, then the length, then the text */
    if (b->overflow)
        return;
    Py_ssize_t need = 1 + (Py_ssize_t)sizeof(Py_ssize_t) + (s.s ? s.n : 0);
    if (b->n + need > (Py_ssize_t)sizeof b->buf) {
        b->overflow = 1;
        return;
    }
    b->buf[b->n++] = s.s ? 1 : 0;
    Py_ssize_t len = s.s ? s.n : 0;
    memcpy(b->buf + b->n, &len, sizeof len);
    b->n += (Py_ssize_t)sizeof len;
    if (s.s && s.n) {
        memcpy(b->buf + b->n, s.s, (size_t)s.n);
        b->n += s.n;
    }
}

static void sig_byte(sigbuf *b, char c)
{
    if (b->overflow || b->n + 1 > (Py_ssize_t)sizeof b->buf) {
        b->overflow = 1;
        return;
    }
    b->buf[b->n++] = c;
}

/* ``entry`` ([shape, count]) counted for one more line, if the lane reads its lines itself now:
 * NULL with no error set when the shape is left to the line loop or due for its check. */
static PyObject *entry_due(Engine *e, PyObject *entry)
{
    if (!PyList_CheckExact(entry) || PyList_GET_SIZE(entry) != 2)
        return NULL;
    PyObject *shape = PyList_GET_ITEM(entry, 0);
    PyObject *count = PyList_GET_ITEM(entry, 1);
    if (shape == e->slow || !PyLong_CheckExact(count))
        return NULL;
    long n = PyLong_AsLong(count);
    if (n < 0 || n >= e->recheck)
        return NULL;
    PyObject *next = PyLong_FromLong(n + 1);
    if (!next)
        return NULL;
    PyList_SetItem(entry, 1, next); /* steals next: the line is counted, as the lane counts it */
    return entry;
}

/* The entry of a line's shape (its key's bytes in ``b``, its tuple made by ``make``) if the lane
 * reads such lines itself now: NULL with no error set when the line must go to Python (a new
 * shape, one due for its check, or one left to the line loop). */
static PyObject *engine_shape(Engine *e, PyObject *shapes, sigbuf *b, key_maker make, void *arg)
{
    if (b->overflow)
        return NULL;
    uint64_t h = fnv1a(b->buf, b->n);
    ShapeSlot *slot = shapes_find(&e->shapes, b->buf, b->n, h);
    if (slot)
        return entry_due(e, slot->entry);
    PyObject *key = engine_key(e, b->buf, b->n, make, arg);
    if (!key)
        return NULL;
    PyObject *entry = PyDict_GetItemWithError(shapes, key);
    Py_DECREF(key);
    if (!entry)
        return NULL;
    if (shapes_add(&e->shapes, b->buf, b->n, h, entry) < 0)
        return NULL;
    return entry_due(e, entry);
}

/* A ShapeLane's row: (src, at, kind, dst, dport, signature, number, sport), as ``_row`` makes it,
 * appended to ``rows``; or nothing (the shape records nothing, or the source is no address). */
static int shape_row(Engine *e, PyObject *shape, int src_ok, uint32_t src, PyObject *at, int dst_ok,
                     uint32_t dst, span dst_text, span dport, span sport, long number, PyObject *rows,
                     PyObject *names)
{
    if (!PyTuple_CheckExact(shape) || PyTuple_GET_SIZE(shape) != 3)
        return 1; /* not a shape this engine knows: Python */
    PyObject *name = PyTuple_GET_ITEM(shape, 0), *kind = PyTuple_GET_ITEM(shape, 1);
    if (engine_count(e, name, names) < 0)
        return -1;
    if (kind == Py_None || !src_ok)
        return 0;
    PyObject *who = addr_text(&e->addrs, src);
    if (!who)
        return -1;
    Py_INCREF(who); /* the next look-up may start the table again */
    PyObject *target;
    if (dst_ok) {
        target = addr_text(&e->addrs, dst);
        Py_XINCREF(target);
    } else {
        target = PyUnicode_DecodeASCII(dst_text.s, dst_text.n, NULL); /* ``normalise(dst) or dst`` */
    }
    if (!target) {
        Py_DECREF(who);
        return -1;
    }
    PyObject *dp = dport.s ? port_int(dport) : (Py_INCREF(Py_None), Py_None);
    PyObject *sp = sport.s ? port_int(sport) : (Py_INCREF(Py_None), Py_None);
    PyObject *loc = PyLong_FromLong(number);
    if (!dp || !sp || !loc) {
        Py_DECREF(who);
        Py_DECREF(target);
        Py_XDECREF(dp);
        Py_XDECREF(sp);
        Py_XDECREF(loc);
        return -1;
    }
    PyObject *v[8] = {who, at, kind, target, dp, PyTuple_GET_ITEM(shape, 2), loc, sp};
    int r = rows_push(rows, v);
    Py_DECREF(who);
    Py_DECREF(target);
    Py_DECREF(dp);
    Py_DECREF(sp);
    Py_DECREF(loc);
    return r;
}

/* --- kernel firewall lines (NetfilterLane) ------------------------------------------------ */

typedef struct {
    span stamp, host, prefix, in, out, proto, spt, dpt, rest;
    int pt, descr; /* the rest holds "PT=", "DESCR=" (what the lane's shape key reads of it) */
    uint64_t found[8]; /* and the line loop's keywords it holds (bits, as Keywords.find gives them) */
    Py_ssize_t words;  /* of found (0: no keyword table) */
    uint32_t src, dst;
    int src_ok, dst_ok;
    span src_text, dst_text;
} NfLine;

/* Keywords.find's int of a bit set */
static PyObject *found_int(const uint64_t *bits, Py_ssize_t words)
{
    for (Py_ssize_t i = 0; i < words; i++)
        if (bits[i])
            return _PyLong_FromByteArray((const unsigned char *)bits, (size_t)words * 8, 1, 0);
    return PyLong_FromLong(0);
}

static PyObject *nf_make_key(Engine *e, void *arg)
{
    NfLine *l = arg;
    PyObject *host = engine_word(e, l->host), *prefix = engine_word(e, l->prefix),
             *in = engine_word(e, l->in), *out = engine_word(e, l->out),
             *proto = engine_word(e, l->proto);
    PyObject *key = NULL;
    if (host && prefix && in && out && proto)
        key = Py_BuildValue("(OOOOOOOnN)", host, prefix, in, out, proto,
                            (!l->spt.s && l->pt) ? Py_True : Py_False, l->descr ? Py_True : Py_False,
                            l->stamp.n, found_int(l->found, l->words));
    Py_XDECREF(host);
    Py_XDECREF(prefix);
    Py_XDECREF(in);
    Py_XDECREF(out);
    Py_XDECREF(proto);
    return key;
}

/* ``Nov 18 06:25:03 fw1 kernel: [812345.104829] PREFIX IN=eth0 OUT= MAC=.. SRC=a DST=b LEN=..
 * TOS=0x.. PREC=0x.. TTL=.. ID=.. [CE ][DF ][MF ][FRAG:n ]PROTO=P[ SPT=n DPT=n]REST`` */
static int nf_parse(cur *c, NfLine *l)
{
    if (!LIT(c, "kernel: "))
        return 0;
    if (c->p < c->end && *c->p == '[') { /* the kernel's uptime, "[ *\d+\.\d+\] " */
        cur k = *c;
        k.p++;
        while (k.p < k.end && *k.p == ' ')
            k.p++;
        if (digits(&k, NULL) && LIT(&k, ".") && digits(&k, NULL) && LIT(&k, "] "))
            *c = k;
    }
    /* the log prefix: "[UFW WORD] ", or text without [ ] = ending in a space, then "IN=" */
    const char *start = c->p;
    if (c->p < c->end && *c->p == '[') {
        cur k = *c;
        if (!LIT(&k, "[UFW ") || !run(&k, is_alpha, 1, NULL))
            return 0;
        for (const char *q = start + 5; q < k.p; q++)
            if (*q < 'A' || *q > 'Z')
                return 0;
        if (!LIT(&k, "] "))
            return 0;
        *c = k;
    } else {
        const char *eq = memchr(c->p, '=', (size_t)(c->end - c->p));
        if (!eq || eq - c->p < 2 || eq[-1] != 'N' || eq[-2] != 'I')
            return 0;
        const char *in = eq - 2;
        if (in != c->p && in[-1] != ' ')
            return 0;
        for (const char *q = c->p; q < in; q++)
            if (*q == '[' || *q == ']' || *q == '\n')
                return 0;
        c->p = in;
    }
    l->prefix.s = start;
    l->prefix.n = c->p - start;
    if (!LIT(c, "IN=") || !run(c, is_nfif, 0, &l->in) || !LIT(c, " OUT=") || !run(c, is_nfif, 0, &l->out) ||
        !LIT(c, " "))
        return 0;
    if (LIT(c, "MAC=")) {
        if (!run(c, is_mac, 0, NULL) || !LIT(c, " "))
            return 0;
    }
    if (!LIT(c, "SRC=") || !v4(c, &l->src_text, &l->src, &l->src_ok) || !LIT(c, " DST=") ||
        !v4(c, &l->dst_text, &l->dst, &l->dst_ok))
        return 0;
    if (!LIT(c, " LEN=") || !digits(c, NULL) || !LIT(c, " TOS=0x") || !run(c, (int (*)(char))is_hex, 1, NULL) ||
        !LIT(c, " PREC=0x") || !run(c, (int (*)(char))is_hex, 1, NULL) || !LIT(c, " TTL=") ||
        !digits(c, NULL) || !LIT(c, " ID=") || !digits(c, NULL) || !LIT(c, " "))
        return 0;
    LIT(c, "CE ");
    LIT(c, "DF ");
    LIT(c, "MF ");
    {
        cur k = *c;
        if (LIT(&k, "FRAG:") && digits(&k, NULL) && LIT(&k, " "))
            *c = k;
    }
    if (!LIT(c, "PROTO=") || !run(c, (int (*)(char))is_alnum, 1, &l->proto))
        return 0;
    if (c->p < c->end && !is_space(*c->p))
        return 0; /* "PROTO=TCP:": the expression's (?!\S) */
    l->spt.s = l->dpt.s = NULL;
    {
        cur k = *c;
        span spt, dpt;
        if (LIT(&k, " SPT=") && digits(&k, &spt) && LIT(&k, " DPT=") && digits(&k, &dpt) &&
            (at_end(&k) || is_space(*k.p))) {
            l->spt = spt;
            l->dpt = dpt;
            *c = k;
        }
    }
    l->rest.s = c->p;
    l->rest.n = c->end - c->p;
    l->pt = l->descr = 0;
    for (const char *q = c->p; q < c->end; q++) {
        if (*q == '[' || *q == '\r' || *q == '\n')
            return 0;
        if (*q == '=' && q - c->p >= 2 && q[-1] == 'T' && q[-2] == 'P')
            l->pt = 1;
        if (*q == '=' && q - c->p >= 5 && memcmp(q - 5, "DESCR", 5) == 0)
            l->descr = 1;
    }
    return 1;
}

static int nf_take(Engine *e, NfLine *l, long number, PyObject *rows, PyObject *names)
{
    if (!l->spt.s && l->pt)
        return 1; /* a port token the layout did not read: Python (NetfilterLane.take) */
    sigbuf b = {.n = 0, .overflow = 0};
    sig_byte(&b, 'N');
    sig_add(&b, l->host);
    sig_add(&b, l->prefix);
    sig_add(&b, l->in);
    sig_add(&b, l->out);
    sig_add(&b, l->proto);
    sig_byte(&b, l->spt.s ? 'p' : '-');
    sig_byte(&b, (char)('0' + l->pt)); /* what the key reads of the rest */
    sig_byte(&b, (char)('0' + l->descr));
    /* the keywords the rest holds (NetfilterLane.read: ``found_key(rest)``) */
    l->words = 0;
    if (e->nf_keywords) {
        Keywords *k = (Keywords *)e->nf_keywords;
        l->words = (k->count + 63) / 64;
        if (l->words > 8)
            return 1; /* more keywords than this keeps: Python */
        memset(l->found, 0, sizeof l->found);
        if (keywords_scan(k, l->rest.s, l->rest.n, l->found))
            for (Py_ssize_t i = 0; i < l->words; i++)
                for (int bit = 0; bit < 64; bit++)
                    if (l->found[i] >> bit & 1) {
                        sig_byte(&b, (char)(i * 64 + bit));
                        sig_byte(&b, (char)((i * 64 + bit) >> 8));
                    }
    }
    PyObject *entry = engine_shape(e, e->nf_shapes, &b, nf_make_key, l);
    if (!entry)
        return PyErr_Occurred() ? -1 : 1;
    PyObject *shape = PyList_GET_ITEM(entry, 0);
    PyObject *at = NULL;
    if (PyTuple_CheckExact(shape) && PyTuple_GET_SIZE(shape) == 3 && PyTuple_GET_ITEM(shape, 1) != Py_None) {
        /* (the time first, whatever the source: the lane's ``build`` reads it so) */
        at = engine_bsd_time(e, l->stamp);
        if (!at)
            return -1;
    }
    return shape_row(e, shape, l->src_ok, l->src, at, l->dst_ok, l->dst, l->dst_text, l->dpt, l->spt, number,
                     rows, names);
}

/* --- Cisco ASA (AsaLane) ------------------------------------------------------------------ */

typedef struct {
    int alt;
    span stamp, mon, day, year, hms, host, tag;
    span p, sif, dif, acl, v, what;
    span sp, dp;
    uint32_t src, dst;
    int src_ok, dst_ok;
    span src_text, dst_text;
} AsaLine;

static PyObject *asa_make_key(Engine *e, void *arg)
{
    AsaLine *l = arg;
    PyObject *host = engine_word(e, l->host), *tag = engine_word(e, l->tag),
             *p = engine_word(e, l->p), *sif = engine_word(e, l->sif), *dif = engine_word(e, l->dif);
    PyObject *last = NULL, *more = NULL, *key = NULL;
    if (host && tag && p && sif && dif) {
        if (l->alt == 1)
            last = engine_word(e, l->acl);
        else if (l->alt == 2)
            last = engine_word(e, l->acl);
        else
            last = engine_word(e, l->what);
        if (last) {
            PyObject *year_none = l->year.s ? Py_False : Py_True;
            if (l->alt == 1)
                key = Py_BuildValue("(OOOiiOOOOOO)", host, tag, year_none, 1, 0, p, sif, dif, last,
                                    l->sp.s ? Py_False : Py_True, l->dp.s ? Py_False : Py_True);
            else if (l->alt == 2) {
                more = engine_word(e, l->v);
                if (more)
                    key = Py_BuildValue("(OOOiiOOOOO)", host, tag, year_none, 2, 0, p, sif, dif, last, more);
            } else
                key = Py_BuildValue("(OOOiiOOOO)", host, tag, year_none, 3, 0, p, sif, dif, last);
        }
    }
    Py_XDECREF(host);
    Py_XDECREF(tag);
    Py_XDECREF(p);
    Py_XDECREF(sif);
    Py_XDECREF(dif);
    Py_XDECREF(last);
    Py_XDECREF(more);
    return key;
}

static int lhex_run(cur *c) { return run(c, (int (*)(char))is_lhex, 1, NULL); }

/* " [0x..., 0x...]" with lower-case hex */
static int asa_hash(cur *c) { return LIT(c, "[0x") && lhex_run(c) && LIT(c, ", 0x") && lhex_run(c) && LIT(c, "]"); }

/* "(a.b.c.d/n)" */
static int asa_paren(cur *c)
{
    span s;
    uint32_t a;
    int ok;
    return LIT(c, "(") && v4(c, &s, &a, &ok) && LIT(c, "/") && digits(c, NULL) && LIT(c, ")");
}

static int asa_parse(cur *c, AsaLine *l)
{
    /* MON {1,2}DAY (YEAR )?HH:MM:SS HOST (: )?%TAG-\d-\d{6}: */
    const char *start = c->p;
    if (!month(c))
        return 0;
    l->mon.s = start;
    l->mon.n = 3;
    if (!LIT(c, " "))
        return 0;
    LIT(c, " ");
    {
        const char *d = c->p;
        if (!(c->p < c->end && is_digit(*c->p)))
            return 0;
        c->p++;
        if (c->p < c->end && is_digit(*c->p))
            c->p++;
        l->day.s = d;
        l->day.n = c->p - d;
    }
    if (!LIT(c, " "))
        return 0;
    l->year.s = NULL;
    if (c->end - c->p >= 5 && is_digit(c->p[0]) && is_digit(c->p[1]) && is_digit(c->p[2]) && is_digit(c->p[3]) &&
        c->p[4] == ' ') {
        l->year.s = c->p;
        l->year.n = 4;
        c->p += 5;
    }
    l->hms.s = c->p;
    l->hms.n = 8;
    if (!hms(c))
        return 0;
    l->stamp.s = start;
    l->stamp.n = c->p - start;
    if (!LIT(c, " ") || !host(c, &l->host))
        return 0;
    LIT(c, ": ");
    if (!LIT(c, "%"))
        return 0;
    const char *tag = c->p;
    if (!(LIT(c, "ASA-") || LIT(c, "PIX-") || LIT(c, "FTD-") || LIT(c, "FWSM-")))
        return 0;
    if (c->end - c->p < 9 || !is_digit(c->p[0]) || c->p[1] != '-')
        return 0;
    for (int i = 2; i < 8; i++)
        if (!is_digit(c->p[i]))
            return 0;
    c->p += 8;
    l->tag.s = tag;
    l->tag.n = c->p - tag;
    if (!LIT(c, ": "))
        return 0;
    l->sp.s = l->dp.s = NULL;
    l->acl.s = l->v.s = l->what.s = NULL;
    if (LIT(c, "Deny ")) {
        l->alt = 1;
        if (!run(c, is_alpha, 1, &l->p))
            return 0;
        if (!((l->p.n == 3 && (memcmp(l->p.s, "tcp", 3) == 0 || memcmp(l->p.s, "udp", 3) == 0)) ||
              (l->p.n == 4 && memcmp(l->p.s, "icmp", 4) == 0)))
            return 0;
        if (!LIT(c, " src ") || !run(c, is_ifname, 1, &l->sif) || !LIT(c, ":") ||
            !v4(c, &l->src_text, &l->src, &l->src_ok))
            return 0;
        if (LIT(c, "/") && !digits(c, &l->sp))
            return 0;
        if (!LIT(c, " dst ") || !run(c, is_ifname, 1, &l->dif) || !LIT(c, ":") ||
            !v4(c, &l->dst_text, &l->dst, &l->dst_ok))
            return 0;
        if (LIT(c, "/") && !digits(c, &l->dp))
            return 0;
        {
            cur k = *c;
            if (LIT(&k, " (type ") && digits(&k, NULL) && LIT(&k, ", code ") && digits(&k, NULL) && LIT(&k, ")"))
                *c = k;
        }
        if (!LIT(c, " by access-group \""))
            return 0;
        const char *q = memchr(c->p, '"', (size_t)(c->end - c->p));
        if (!q)
            return 0;
        l->acl.s = c->p;
        l->acl.n = q - c->p;
        c->p = q + 1;
        if (!at_end(c)) {
            if (!LIT(c, " ") || !asa_hash(c))
                return 0;
        }
        return at_end(c);
    }
    if (LIT(c, "access-list ")) {
        l->alt = 2;
        if (!run(c, is_ifname, 1, &l->acl) || !LIT(c, " "))
            return 0;
        const char *v = c->p;
        if (!(LIT(c, "denied") || LIT(c, "permitted")))
            return 0;
        l->v.s = v;
        l->v.n = c->p - v;
        if (!LIT(c, " "))
            return 0;
        const char *p = c->p;
        if (!(LIT(c, "tcp") || LIT(c, "udp")))
            return 0;
        l->p.s = p;
        l->p.n = 3;
        if (!LIT(c, " ") || !run(c, is_ifname, 1, &l->sif) || !LIT(c, "/") ||
            !v4(c, &l->src_text, &l->src, &l->src_ok) || !LIT(c, "(") || !digits(c, &l->sp) || !LIT(c, ") -> ") ||
            !run(c, is_ifname, 1, &l->dif) || !LIT(c, "/") || !v4(c, &l->dst_text, &l->dst, &l->dst_ok) ||
            !LIT(c, "(") || !digits(c, &l->dp) || !LIT(c, ") hit-cnt ") || !digits(c, NULL) || !LIT(c, " "))
            return 0;
        if (!LIT(c, "first hit")) {
            if (!digits(c, NULL) || !LIT(c, "-second interval"))
                return 0;
        }
        return LIT(c, " ") && asa_hash(c) && at_end(c);
    }
    {
        const char *w = c->p;
        if (!(LIT(c, "Built inbound") || LIT(c, "Built outbound") || LIT(c, "Teardown")))
            return 0;
        l->alt = 3;
        l->what.s = w;
        l->what.n = c->p - w;
        if (!LIT(c, " "))
            return 0;
        const char *p = c->p;
        if (!(LIT(c, "TCP") || LIT(c, "UDP")))
            return 0;
        l->p.s = p;
        l->p.n = 3;
        if (!LIT(c, " connection ") || !digits(c, NULL) || !LIT(c, " for ") || !run(c, is_ifname, 1, &l->sif) ||
            !LIT(c, ":") || !v4(c, &l->src_text, &l->src, &l->src_ok) || !LIT(c, "/") || !digits(c, &l->sp) ||
            !LIT(c, " "))
            return 0;
        if (c->p < c->end && *c->p == '(') {
            if (!asa_paren(c) || !LIT(c, " "))
                return 0;
        }
        if (!LIT(c, "to ") || !run(c, is_ifname, 1, &l->dif) || !LIT(c, ":") ||
            !v4(c, &l->dst_text, &l->dst, &l->dst_ok) || !LIT(c, "/") || !digits(c, &l->dp))
            return 0;
        {
            cur k = *c;
            if (LIT(&k, " ") && asa_paren(&k))
                *c = k;
        }
        if (LIT(c, " duration ")) {
            if (!digits(c, NULL) || !LIT(c, ":") || c->end - c->p < 5 || !is_digit(c->p[0]) || !is_digit(c->p[1]) ||
                c->p[2] != ':' || !is_digit(c->p[3]) || !is_digit(c->p[4]))
                return 0;
            c->p += 5;
            if (!LIT(c, " bytes ") || !digits(c, NULL))
                return 0;
            if (!at_end(c)) {
                if (!LIT(c, " ") || at_end(c))
                    return 0;
                for (; c->p < c->end; c->p++)
                    if (!is_alpha(*c->p) && *c->p != ' ')
                        return 0;
            }
        }
        return at_end(c);
    }
}

/* What ``AsaLane.at`` gives for a stamp with its year when the evidence is in UTC (its wall clock
 * as it is, in UTC): a new reference; NULL with no error set when Python must answer. */
static PyObject *dated_utc(Engine *e, AsaLine *l)
{
    PyObject *zone = dget(e->ctx_dict, A_zone, e->ctx);
    if (!zone)
        return NULL;
    int utc = zone == PyDateTime_TimeZone_UTC;
    Py_DECREF(zone);
    int m = 0, day = 0, year = 0;
    for (int i = 0; i < 12; i++)
        if (memcmp(l->mon.s, MONTHS[i], 3) == 0)
            m = i + 1;
    for (Py_ssize_t i = 0; i < l->day.n; i++)
        day = day * 10 + l->day.s[i] - '0';
    for (int i = 0; i < 4; i++)
        year = year * 10 + l->year.s[i] - '0';
    const char *h = l->hms.s;
    int hour = (h[0] - '0') * 10 + h[1] - '0', minute = (h[3] - '0') * 10 + h[4] - '0',
        second = (h[6] - '0') * 10 + h[7] - '0';
    if (!utc || year < 1 || !m || day < 1 || day > days_in_month(year, m) || hour > 23 || minute > 59 || second > 59)
        return NULL;
    return PyDateTimeAPI->DateTime_FromDateAndTime(year, m, day, hour, minute, second, 0, PyDateTime_TimeZone_UTC,
                                                   PyDateTimeAPI->DateTimeType);
}

static int asa_take(Engine *e, AsaLine *l, long number, PyObject *rows, PyObject *names)
{
    sigbuf b = {.n = 0, .overflow = 0};
    sig_byte(&b, 'A');
    sig_byte(&b, (char)('0' + l->alt));
    sig_add(&b, l->host);
    sig_add(&b, l->tag);
    sig_byte(&b, l->year.s ? 'y' : '-');
    sig_add(&b, l->p);
    sig_add(&b, l->sif);
    sig_add(&b, l->dif);
    sig_add(&b, l->alt == 3 ? l->what : l->acl);
    if (l->alt == 2)
        sig_add(&b, l->v);
    if (l->alt == 1) {
        sig_byte(&b, l->sp.s ? 's' : '-');
        sig_byte(&b, l->dp.s ? 'd' : '-');
    }
    PyObject *entry = engine_shape(e, e->asa_shapes, &b, asa_make_key, l);
    if (!entry)
        return PyErr_Occurred() ? -1 : 1;
    PyObject *shape = PyList_GET_ITEM(entry, 0);
    PyObject *at = NULL;
    if (PyTuple_CheckExact(shape) && PyTuple_GET_SIZE(shape) == 3 && PyTuple_GET_ITEM(shape, 1) != Py_None &&
        l->src_ok) {
        /* AsaLane.at(mon, day, hms, year), once per stamp; without a year, the context's */
        if (!l->year.s && !(e->inferred.n == l->stamp.n &&
                            memcmp(e->inferred.text, l->stamp.s, (size_t)l->stamp.n) == 0)) {
            int day = 0;
            for (Py_ssize_t i = 0; i < l->day.n; i++)
                day = day * 10 + l->day.s[i] - '0';
            span none = {NULL, 0};
            PyObject *got = ctx_syslog(e, l->mon.s, day, l->hms.s, none);
            if (got)
                slot_keep(&e->inferred, l->stamp, got);
            else if (PyErr_Occurred())
                return -1;
        }
        if (l->year.s && !(e->dated.n == l->stamp.n && memcmp(e->dated.text, l->stamp.s, (size_t)l->stamp.n) == 0)) {
            PyObject *got = dated_utc(e, l);
            if (got)
                slot_keep(&e->dated, l->stamp, got);
            else if (PyErr_Occurred())
                return -1;
        }
        Stamp *slot = l->year.s ? &e->dated : &e->inferred;
        if (slot->n == l->stamp.n && memcmp(slot->text, l->stamp.s, (size_t)l->stamp.n) == 0) {
            at = slot->at; /* the stamp of the line before, or computed just above */
        } else {
            PyObject *mon = PyUnicode_DecodeASCII(l->mon.s, l->mon.n, NULL);
            PyObject *day = PyUnicode_DecodeASCII(l->day.s, l->day.n, NULL);
            PyObject *hm = PyUnicode_DecodeASCII(l->hms.s, l->hms.n, NULL);
            PyObject *year =
                l->year.s ? PyUnicode_DecodeASCII(l->year.s, l->year.n, NULL) : (Py_INCREF(Py_None), Py_None);
            PyObject *args = (mon && day && hm && year) ? PyTuple_Pack(4, mon, day, hm, year) : NULL;
            Py_XDECREF(mon);
            Py_XDECREF(day);
            Py_XDECREF(hm);
            Py_XDECREF(year);
            if (!args)
                return -1;
            at = engine_time(slot, l->stamp, e->asa_at, args);
            Py_DECREF(args);
        }
        if (!at)
            return -1;
    }
    return shape_row(e, shape, l->src_ok, l->src, at, l->dst_ok, l->dst, l->dst_text, l->dp, l->sp, number, rows,
                     names);
}

/* --- sshd (SshdLane) ---------------------------------------------------------------------- */

typedef struct {
    int alt;
    span stamp, host, prog, pid;
    span method, inv; /* alternative 1 */
    span client, user, port, reason, preauth;
    uint32_t addr;
    int addr_ok;
    int has_client;
} SshLine;

static int ssh_user(cur *c, span *out) { return run(c, is_user, 1, out); }

static int ssh_v4(cur *c, SshLine *l)
{
    l->has_client = 1;
    return v4(c, &l->client, &l->addr, &l->addr_ok);
}

/* " port \d+" */
static int ssh_port(cur *c, span *out) { return LIT(c, " port ") && digits(c, out); }

/* "pam_unix(sshd:auth): authentication failure; logname= uid=\d+ euid=\d+ tty=ssh ruser= rhost=" */
static int ssh_pam_head(cur *c)
{
    return LIT(c, " logname= uid=") && digits(c, NULL) && LIT(c, " euid=") && digits(c, NULL) &&
           LIT(c, " tty=ssh ruser= rhost=");
}

/* alternative 1 after "Failed METHOD for ": with "invalid user " taken or not */
static int ssh_failed_rest(cur *c, SshLine *l)
{
    return ssh_user(c, &l->user) && LIT(c, " from ") && ssh_v4(c, l) && ssh_port(c, &l->port) && LIT(c, " ssh2") &&
           at_end(c);
}

static int ssh_parse(cur *c, SshLine *l)
{
    const char *prog = c->p;
    if (!LIT(c, "sshd"))
        return 0;
    if (!LIT(c, "-session"))
        LIT(c, "-auth");
    l->prog.s = prog;
    l->prog.n = c->p - prog;
    if (!LIT(c, "[") || !digits(c, &l->pid) || !LIT(c, "]: "))
        return 0;
    l->method.s = l->inv.s = l->client.s = l->user.s = l->port.s = l->reason.s = l->preauth.s = NULL;
    l->has_client = 0;
    if (LIT(c, "Failed ")) {
        l->alt = 1;
        const char *m = c->p;
        if (!(LIT(c, "password") || LIT(c, "none") || LIT(c, "keyboard-interactive/pam")))
            return 0;
        l->method.s = m;
        l->method.n = c->p - m;
        if (!LIT(c, " for "))
            return 0;
        cur k = *c;
        const char *inv = k.p;
        if (LIT(&k, "invalid user ")) {
            SshLine keep = *l;
            l->inv.s = inv;
            l->inv.n = k.p - inv;
            if (ssh_failed_rest(&k, l)) {
                *c = k;
                return 1;
            }
            *l = keep;
        }
        return ssh_failed_rest(c, l);
    }
    if (LIT(c, "Invalid user ")) {
        l->alt = 2;
        if (c->p < c->end && *c->p == ' ') {
            l->user.s = c->p;
            l->user.n = 0;
        } else if (!ssh_user(c, &l->user))
            return 0;
        return LIT(c, " from ") && ssh_v4(c, l) && ssh_port(c, &l->port) && at_end(c);
    }
    if (LIT(c, "pam_unix(sshd:session): session ")) {
        /* "opened for user U[(uid=N)] by [V](uid=N)" or "closed for user U": nothing to book */
        l->alt = 12;
        if (LIT(c, "closed for user "))
            return run(c, is_session_user, 1, NULL) && at_end(c);
        if (!LIT(c, "opened for user ") || !run(c, is_session_user, 1, NULL))
            return 0;
        if (LIT(c, "(uid=") && !(digits(c, NULL) && LIT(c, ")")))
            return 0;
        if (!LIT(c, " by "))
            return 0;
        run(c, is_session_user, 0, NULL);
        return LIT(c, "(uid=") && digits(c, NULL) && LIT(c, ")") && at_end(c);
    }
    if (LIT(c, "pam_unix(sshd:auth): ")) {
        if (LIT(c, "check pass; user unknown")) {
            l->alt = 4;
            return at_end(c);
        }
        l->alt = 3;
        if (!LIT(c, "authentication failure;") || !ssh_pam_head(c) || !ssh_v4(c, l))
            return 0;
        if (LIT(c, "  user=") && !ssh_user(c, &l->user))
            return 0;
        return at_end(c);
    }
    if (LIT(c, "Received disconnect from ")) {
        l->alt = 5;
        if (!ssh_v4(c, l) || !ssh_port(c, &l->port) || !LIT(c, ":11: "))
            return 0;
        const char *r = c->p;
        if (!(LIT(c, "Bye Bye") || LIT(c, "disconnected by user") || LIT(c, "Normal Shutdown, Thank you for playing") ||
              LIT(c, "Client disconnecting normally")))
            return 0;
        l->reason.s = r;
        l->reason.n = c->p - r;
        const char *a = c->p;
        if (LIT(c, " [preauth]")) {
            l->preauth.s = a;
            l->preauth.n = c->p - a;
        }
        return at_end(c);
    }
    if (LIT(c, "Connection closed by") || LIT(c, "Connection reset by") || LIT(c, "Disconnected from")) {
        l->alt = 6;
        cur k = *c;
        if ((LIT(&k, " invalid user ") || LIT(&k, " authenticating user ")) && ssh_user(&k, &l->user)) {
            /* the user is optional: taken when the rest then fits */
            cur r = k;
            SshLine keep = *l;
            if (LIT(&r, " ") && ssh_v4(&r, l) && ssh_port(&r, &l->port)) {
                LIT(&r, " [preauth]");
                if (at_end(&r)) {
                    *c = r;
                    return 1;
                }
            }
            *l = keep;
            l->user.s = NULL;
        }
        if (!LIT(c, " ") || !ssh_v4(c, l) || !ssh_port(c, &l->port))
            return 0;
        LIT(c, " [preauth]");
        return at_end(c);
    }
    if (LIT(c, "error: maximum authentication attempts exceeded for ")) {
        l->alt = 7;
        cur k = *c;
        if (LIT(&k, "invalid user ")) {
            SshLine keep = *l;
            if (ssh_user(&k, &l->user) && LIT(&k, " from ") && ssh_v4(&k, l) && ssh_port(&k, &l->port) &&
                LIT(&k, " ssh2 [preauth]") && at_end(&k)) {
                *c = k;
                return 1;
            }
            *l = keep;
        }
        return ssh_user(c, &l->user) && LIT(c, " from ") && ssh_v4(c, l) && ssh_port(c, &l->port) &&
               LIT(c, " ssh2 [preauth]") && at_end(c);
    }
    if (LIT(c, "Disconnecting ")) {
        l->alt = 8;
        if (!(LIT(c, "invalid user ") || LIT(c, "authenticating user ")))
            return 0;
        if (!ssh_user(c, &l->user) || !LIT(c, " ") || !ssh_v4(c, l) || !ssh_port(c, &l->port) ||
            !LIT(c, ": Too many authentication failures"))
            return 0;
        LIT(c, " [preauth]");
        return at_end(c);
    }
    if (LIT(c, "PAM ")) {
        l->alt = 9;
        span s;
        uint32_t a;
        int ok;
        if (!digits(c, NULL) || !LIT(c, " more authentication failures;") || !ssh_pam_head(c) || !v4(c, &s, &a, &ok))
            return 0;
        if (LIT(c, "  user=") && !ssh_user(c, NULL))
            return 0;
        return at_end(c);
    }
    if (LIT(c, "Accepted ")) {
        l->alt = 10;
        if (!(LIT(c, "password") || LIT(c, "publickey")) || !LIT(c, " for ") || !ssh_user(c, &l->user) ||
            !LIT(c, " from ") || !ssh_v4(c, l) || !LIT(c, " port ") || !digits(c, NULL) || !LIT(c, " ssh2"))
            return 0;
        if (at_end(c))
            return 1;
        /* ": [\w-]+ \S+" */
        if (!LIT(c, ": "))
            return 0;
        const char *q = c->p;
        while (c->p < c->end && (is_word(*c->p) || *c->p == '-'))
            c->p++;
        if (c->p == q || !LIT(c, " ") || at_end(c))
            return 0;
        for (; c->p < c->end; c->p++)
            if (is_space(*c->p))
                return 0;
        return 1;
    }
    if (LIT(c, "banner exchange: Connection from ")) {
        l->alt = 11;
        span s;
        uint32_t a;
        int ok;
        return v4(c, &s, &a, &ok) && LIT(c, " port ") && digits(c, NULL) && LIT(c, ": invalid format") && at_end(c);
    }
    return 0;
}

static PyObject *ssh_make_key(Engine *e, void *arg)
{
    SshLine *l = arg;
    PyObject *host = engine_word(e, l->host), *prog = engine_word(e, l->prog);
    PyObject *method = l->method.s ? engine_word(e, l->method) : (Py_INCREF(Py_None), Py_None);
    PyObject *inv = l->inv.s ? engine_word(e, l->inv) : (Py_INCREF(Py_None), Py_None);
    PyObject *key = NULL;
    if (host && prog && method && inv)
        key = Py_BuildValue("(OOiOOn)", host, prog, l->alt, method, inv, l->stamp.n);
    Py_XDECREF(host);
    Py_XDECREF(prog);
    Py_XDECREF(method);
    Py_XDECREF(inv);
    return key;
}

static int method_index(span m)
{
    if (m.n == 8 && memcmp(m.s, "password", 8) == 0)
        return 0;
    if (m.n == 4 && memcmp(m.s, "none", 4) == 0)
        return 1;
    return 2;
}

/* ``_client_port``: an int of 1..65535, else None (new reference) */
static PyObject *client_port(PyObject *sport)
{
    if (sport == Py_None || (PyUnicode_Check(sport) && PyUnicode_GET_LENGTH(sport) == 0))
        Py_RETURN_NONE;
    if (PyUnicode_CheckExact(sport) && PyUnicode_IS_ASCII(sport) && PyUnicode_GET_LENGTH(sport) <= 5) {
        /* one to five ASCII digits (a port as sshd writes it): what int() gives, without its parser */
        const char *p = (const char *)PyUnicode_1BYTE_DATA(sport);
        Py_ssize_t n = PyUnicode_GET_LENGTH(sport), i = 0;
        long v = 0;
        for (; i < n && is_digit(p[i]); i++)
            v = v * 10 + (p[i] - '0');
        if (i == n) {
            if (v <= 0 || v > 65535)
                Py_RETURN_NONE;
            return PyLong_FromLong(v);
        }
    }
    PyObject *n = PyNumber_Long(sport);
    if (!n) {
        if (PyErr_ExceptionMatches(PyExc_TypeError) || PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            Py_RETURN_NONE;
        }
        return NULL;
    }
    int overflow;
    long v = PyLong_AsLongAndOverflow(n, &overflow);
    if (v == -1 && PyErr_Occurred()) {
        Py_DECREF(n);
        return NULL;
    }
    if (overflow || v <= 0 || v > 65535) {
        Py_DECREF(n);
        Py_RETURN_NONE;
    }
    return n;
}

static int append_row(PyObject *rows, PyObject *src, PyObject *at, PyObject *kind, PyObject *dst, PyObject *dport,
                      PyObject *sig, PyObject *loc, PyObject *port)
{
    PyObject *v[8] = {src, at, kind, dst, dport, sig, loc, port};
    return rows_push(rows, v);
}

/* A new connection as the class makes one: the template's values, with a new empty set and list
 * where it holds them (see engine_init: only for a class of exactly these seven slots). */
static PyObject *conn_copy(Engine *e)
{
    PyTypeObject *type = (PyTypeObject *)e->ssh_conn;
    PyObject *conn = type->tp_alloc(type, 0);
    if (!conn)
        return NULL;
    for (int i = 0; i < 7; i++) {
        PyObject *v = *(PyObject **)((char *)e->conn_template + e->conn_slot[i]);
        if (PySet_CheckExact(v))
            v = PySet_New(NULL);
        else if (PyList_CheckExact(v))
            v = PyList_New(0);
        else
            Py_INCREF(v);
        if (!v) {
            Py_DECREF(conn);
            return NULL;
        }
        *(PyObject **)((char *)conn + e->conn_slot[i]) = v;
    }
    return conn;
}

/* ``SshdFormat.rows`` for a line of the sshd lane: book it in its connection (``key``: (our host,
 * pid)) from the client ``src`` (an address), with ``user`` (str, "" or None), ``failure``
 * ((signature, kind) or None), ``forget`` and the client's port ``sport`` (str or None); the
 * records' rows are appended to ``rows``. */
/* A connection's attribute ``i`` (a new reference) and its update: straight from its slot when
 * the class keeps it in one (a dataclass with slots), else through getattr and setattr. */
static PyObject *cget(Engine *e, PyObject *conn, int i)
{
    if (e->conn_slot[i] >= 0 && Py_IS_TYPE(conn, (PyTypeObject *)e->ssh_conn)) {
        PyObject *v = *(PyObject **)((char *)conn + e->conn_slot[i]);
        if (v) {
            Py_INCREF(v);
            return v;
        }
    }
    return PyObject_GetAttr(conn, *CONN_ATTRS[i]);
}

static int cset(Engine *e, PyObject *conn, int i, PyObject *v)
{
    if (e->conn_slot[i] >= 0 && Py_IS_TYPE(conn, (PyTypeObject *)e->ssh_conn)) {
        PyObject **slot = (PyObject **)((char *)conn + e->conn_slot[i]);
        Py_INCREF(v);
        Py_XSETREF(*slot, v);
        return 0;
    }
    return PyObject_SetAttr(conn, *CONN_ATTRS[i], v);
}

static int ssh_book(Engine *e, PyObject *at, PyObject *ours, PyObject *key, PyObject *src, PyObject *user,
                    PyObject *failure, int forget, PyObject *sport, long number, PyObject *rows, PyObject *names)
{
    PyObject *conns = e->ssh_conns;
    PyObject *conn = PyDict_GetItemWithError(conns, key);
    PyObject *dst = NULL, *dst_port = NULL, *port = NULL, *loc = NULL, *pending = NULL;
    int r = -1, booked = 0;
    if (conn) {
        Py_INCREF(conn);
    } else {
        if (PyErr_Occurred())
            return -1;
        if (PyDict_GET_SIZE(conns) >= e->max_connections) { /* the oldest is forgotten */
            Py_ssize_t i = 0;
            PyObject *oldest, *value;
            if (PyDict_Next(conns, &i, &oldest, &value)) {
                Py_INCREF(oldest);
                int d = PyDict_DelItem(conns, oldest);
                Py_DECREF(oldest);
                if (d < 0)
                    return -1;
            }
        }
        conn = e->conn_template ? conn_copy(e) : PyObject_CallNoArgs(e->ssh_conn);
        if (!conn || PyDict_SetItem(conns, key, conn) < 0)
            goto done;
    }
    /* the client: this line's, remembered with its port */
    PyObject *had = cget(e, conn, C_HOST);
    if (!had)
        goto done;
    int same = PyObject_RichCompareBool(src, had, Py_EQ);
    Py_DECREF(had);
    if (same < 0 || (!same && cset(e, conn, C_SRC_PORT, Py_None) < 0) ||
        cset(e, conn, C_HOST, src) < 0)
        goto done;
    int has_port = PyObject_IsTrue(sport);
    if (has_port < 0 || (has_port && cset(e, conn, C_SRC_PORT, sport) < 0))
        goto done;
    PyObject *client_sport;
    if (has_port) {
        Py_INCREF(sport);
        client_sport = sport;
    } else if (!(client_sport = cget(e, conn, C_SRC_PORT)))
        goto done;
    port = client_port(client_sport);
    Py_DECREF(client_sport);
    if (!port)
        goto done;
    /* the user names tried */
    int several = 0;
    if (user != Py_None && PyUnicode_GET_LENGTH(user) > 0) {
        PyObject *users = cget(e, conn, C_USERS);
        if (!users)
            goto done;
        int a = PySet_Check(users) ? PySet_Add(users, user) : -1;
        Py_ssize_t size = a < 0 ? -1 : PySet_GET_SIZE(users);
        Py_DECREF(users);
        if (a < 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "a connection's users must be a set");
            goto done;
        }
        several = size > 1;
    }
    /* our side: the connection's, else the logging host */
    PyObject *cdst = cget(e, conn, C_DST);
    if (!cdst)
        goto done;
    int t = PyObject_IsTrue(cdst);
    if (t < 0) {
        Py_DECREF(cdst);
        goto done;
    }
    if (t)
        dst = cdst;
    else {
        Py_DECREF(cdst);
        dst = ours; /* ``(conn.dst or None) or host`` */
        Py_INCREF(dst);
    }
    PyObject *cport = cget(e, conn, C_DST_PORT);
    if (!cport)
        goto done;
    if (cport == Py_None || (PyUnicode_Check(cport) && PyUnicode_GET_LENGTH(cport) == 0)) {
        Py_DECREF(cport);
        Py_INCREF(Py_None);
        dst_port = Py_None;
    } else {
        dst_port = PyNumber_Long(cport);
        Py_DECREF(cport);
        if (!dst_port)
            goto done;
    }
    loc = PyLong_FromLong(number);
    if (!loc)
        goto done;
    pending = cget(e, conn, C_PENDING);
    if (!pending)
        goto done;
    if (!PyList_Check(pending)) {
        PyErr_SetString(PyExc_TypeError, "a connection's pending failures must be a list");
        goto done;
    }
    if (failure == e->bye) {
        PyObject *failed = cget(e, conn, C_FAILED);
        if (!failed)
            goto done;
        int f = PyObject_IsTrue(failed);
        Py_DECREF(failed);
        if (f < 0)
            goto done;
        if (f || PyList_GET_SIZE(pending) > 0)
            failure = Py_None; /* the connection's failure is the attack; its goodbye adds nothing */
    }
    if (failure != Py_None) {
        if (cset(e, conn, C_FAILED, Py_True) < 0)
            goto done;
        if (!PyTuple_Check(failure) || PyTuple_GET_SIZE(failure) != 2) {
            PyErr_SetString(PyExc_TypeError, "a failure is (signature, kind)");
            goto done;
        }
        if (append_row(rows, src, at, PyTuple_GET_ITEM(failure, 1), dst, dst_port, PyTuple_GET_ITEM(failure, 0),
                       loc, port) < 0)
            goto done;
        booked++;
    } else if (several) {
        if (append_row(rows, src, at, e->failed_login, dst, dst_port, e->several, loc, port) < 0)
            goto done;
        booked++;
    }
    Py_ssize_t waiting = PyList_GET_SIZE(pending);
    for (Py_ssize_t i = 0; i < waiting; i++) {
        if (append_row(rows, src, at, e->failed_login, dst, dst_port, PyList_GET_ITEM(pending, i), loc, port) < 0)
            goto done;
        booked++;
    }
    if (waiting && PyList_SetSlice(pending, 0, waiting, NULL) < 0)
        goto done;
    if (forget && PyDict_DelItem(conns, key) < 0) {
        if (!PyErr_ExceptionMatches(PyExc_KeyError))
            goto done;
        PyErr_Clear();
    }
    r = 0;
    for (int i = 0; i < (booked ? booked : 1) && r == 0; i++)
        r = engine_count(e, e->sshd_name, names);
done:
    Py_XDECREF(conn);
    Py_XDECREF(dst);
    Py_XDECREF(dst_port);
    Py_XDECREF(port);
    Py_XDECREF(loc);
    Py_XDECREF(pending);
    return r;
}

/* ``_dst`` of a host as the sshd lane keeps it (borrowed; kept in ``ours`` and as the last host) */
static PyObject *ssh_ours_of(Engine *e, span h)
{
    PyObject *host = engine_word(e, h);
    if (!host)
        return NULL;
    PyObject *ours = PyDict_GetItemWithError(e->ours, host);
    if (!ours) {
        if (PyDict_GET_SIZE(e->ours) >= 65536)
            PyDict_Clear(e->ours); /* bounded memory, whatever a log calls its hosts */
        if (PyErr_Occurred() || !(ours = PyObject_CallOneArg(e->ssh_ours, host)) ||
            PyDict_SetItem(e->ours, host, ours) < 0) {
            Py_XDECREF(ours);
            Py_DECREF(host);
            return NULL;
        }
        Py_DECREF(ours); /* the dict holds it */
    }
    Py_DECREF(host);
    if (h.n <= (Py_ssize_t)sizeof e->last_host) {
        memcpy(e->last_host, h.s, (size_t)h.n);
        e->last_host_n = h.n;
        Py_INCREF(ours);
        Py_XSETREF(e->last_ours, ours);
    }
    return ours;
}

static int ssh_take(Engine *e, SshLine *l, long number, PyObject *rows, PyObject *names)
{
    sigbuf b = {.n = 0, .overflow = 0};
    sig_byte(&b, 'S');
    sig_byte(&b, (char)('0' + l->alt));
    sig_add(&b, l->host);
    sig_add(&b, l->prog);
    sig_add(&b, l->method);
    sig_add(&b, l->inv);
    PyObject *entry = engine_shape(e, e->ssh_shapes, &b, ssh_make_key, l);
    if (!entry)
        return PyErr_Occurred() ? -1 : 1;
    /* nothing to book (``SshdLane._what``), or a client that is no address */
    if (l->alt == 4 || l->alt == 9 || l->alt == 11 || l->alt == 12 || (l->has_client && !l->addr_ok))
        return engine_count(e, e->sshd_name, names);
    /* what the lane passes to SshdFormat.rows */
    PyObject *failure = Py_None;
    int forget = 0;
    int pass_port = 1, pass_user = 1;
    switch (l->alt) {
    case 1:
        failure = e->fail_method[method_index(l->method)][l->inv.s ? 1 : 0];
        break;
    case 2:
        failure = e->fail_invalid;
        break;
    case 3:
        pass_port = 0;
        break;
    case 5:
        failure = (l->reason.n == 7 && memcmp(l->reason.s, "Bye Bye", 7) == 0 && l->preauth.s) ? e->bye : Py_None;
        forget = 1;
        pass_user = 0;
        break;
    case 6:
    case 8:
        forget = 1;
        break;
    case 7:
        failure = e->fail_too_many;
        break;
    case 10:
        forget = 1;
        pass_port = 0;
        break;
    }
    PyObject *src = addr_text(&e->addrs, l->addr);
    if (!src)
        return -1;
    PyObject *ours = NULL;
    if (e->last_ours && l->host.n == e->last_host_n && memcmp(l->host.s, e->last_host, (size_t)l->host.n) == 0)
        ours = e->last_ours; /* the same host as the line before: most are */
    else if (!(ours = ssh_ours_of(e, l->host)))
        return -1;
    PyObject *at = engine_bsd_time(e, l->stamp);
    if (!at)
        return -1;
    PyObject *pid = engine_word(e, l->pid);
    PyObject *ckey = pid ? PyTuple_Pack(2, ours, pid) : NULL;
    Py_XDECREF(pid);
    if (!ckey)
        return -1;
    PyObject *user;
    if (!pass_user || !l->user.s)
        user = (l->alt == 3) ? PyUnicode_FromStringAndSize("", 0) : (Py_INCREF(Py_None), Py_None);
    else
        user = engine_word(e, l->user);
    PyObject *port = (pass_port && l->port.s) ? engine_word(e, l->port) : (Py_INCREF(Py_None), Py_None);
    int r = -1;
    if (user && port)
        r = ssh_book(e, at, ours, ckey, src, user, failure, forget, port, number, rows, names);
    Py_DECREF(ckey);
    Py_XDECREF(user);
    Py_XDECREF(port);
    return r;
}

/* --- the line loop ------------------------------------------------------------------------ */

/* Whether the text after a line's BSD stamp and host may start a lane's message. */
static int may_be_lane_head(const char *p, const char *end)
{
    Py_ssize_t n = end - p;
    if (n >= 8 && memcmp(p, "kernel: ", 8) == 0) {
        for (const char *q = p + 8; q + 3 <= end; q++)
            if (q[0] == 'I' && q[1] == 'N' && q[2] == '=')
                return 1;
        return 0;
    }
    return (n >= 4 && memcmp(p, "sshd", 4) == 0) || (n >= 1 && p[0] == '%') || (n >= 3 && memcmp(p, ": %", 3) == 0);
}

/* Read one line: 0 read, 1 for Python, 2 for Python and surely no lane's line, -1 error. */
static int engine_line(Engine *e, const char *s, const char *end, long number, PyObject *rows, PyObject *names)
{
    if (s == end || end[-1] == '\r')
        return 1;
    const char *q = s;
    for (; end - q >= 8; q += 8) { /* not ASCII: Python decodes it */
        uint64_t word;
        memcpy(&word, q, 8);
        if (word & 0x8080808080808080ull)
            return 1;
    }
    for (; q < end; q++)
        if ((unsigned char)*q >= 0x80)
            return 1;
    cur c = {s, end};
    span stamp, hst;
    if (bsd15(&c, &stamp) && LIT(&c, " ") && host(&c, &hst)) {
        cur body = c;
        /* after a BSD stamp and a host, a lane's line goes on with "kernel: " (and holds "IN="),
         * "sshd", "%" or ": %": anything else is no lane's (the lanes' expression would not match
         * it either) */
        if (e->complete && !may_be_lane_head(c.p, end))
            return e->quiet && !keywords_any((Keywords *)e->quiet, s, end - s) ? 0 : 2;
        if (e->nf_shapes && end - c.p > 8 && c.p[0] == 'k') {
            NfLine l;
            if (nf_parse(&body, &l)) {
                l.stamp = stamp;
                l.host = hst;
                return nf_take(e, &l, number, rows, names);
            }
            return 1;
        }
        if (e->ssh_shapes && end - c.p > 4 && c.p[0] == 's') {
            SshLine l;
            if (ssh_parse(&body, &l)) {
                l.stamp = stamp;
                l.host = hst;
                return ssh_take(e, &l, number, rows, names);
            }
            return 1;
        }
    }
    if (e->asa_shapes) {
        cur a = {s, end};
        AsaLine l;
        if (asa_parse(&a, &l))
            return asa_take(e, &l, number, rows, names);
    }
    return 1;
}

/* scan(buffer, pos, end, number, rows, names) -> (pos, number, stop, lane)
 *
 * Reads the lines of buffer[pos:end] (each ending in "\n", but the last one may not), numbering
 * them from number + 1, until it meets a line left to Python: it returns that line's start,
 * the number of the line before it, the line's end (its "\n", or ``end``) and whether the line
 * may be a lane's (False: the lanes' expression surely does not match it); or, having read every
 * line, (end, number of the last line, -1, True). */
static PyObject *engine_scan(Engine *e, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "scan(buffer, pos, end, number, rows, names)");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]), end = PyLong_AsSsize_t(args[2]);
    long number = PyLong_AsLong(args[3]);
    PyObject *rows = args[4], *names = args[5];
    PyObject *result = NULL;
    if (PyErr_Occurred())
        goto done;
    if (!Py_IS_TYPE(rows, &RowBufType) || !PyDict_Check(names)) {
        PyErr_SetString(PyExc_TypeError, "rows must be a Rows and names a dict");
        goto done;
    }
    if (pos < 0 || end > view.len || pos > end) {
        PyErr_SetString(PyExc_ValueError, "pos and end out of range");
        goto done;
    }
    stamp_forget(&e->inferred); /* Python may have read lines since: ask the context again */
    const char *base = view.buf;
    Py_ssize_t stop = -1;
    int lane = 1;
    while (pos < end) {
        const char *s = base + pos;
        const char *nl = memchr(s, '\n', (size_t)(end - pos));
        Py_ssize_t line_end = nl ? nl - base : end;
        int r = engine_line(e, s, base + line_end, number + 1, rows, names);
        if (r < 0)
            goto done;
        if (r >= 1) {
            stop = line_end;
            lane = r == 1;
            break;
        }
        number++;
        pos = nl ? line_end + 1 : end;
    }
    if (engine_flush_names(e, names) < 0)
        goto done;
    if (stop >= 0)
        stamp_forget(&e->inferred);
    result = Py_BuildValue("(nlnO)", pos, number, stop, lane ? Py_True : Py_False);
done:
    /* the context's year inference as the lines read so far left it */
    if (result) {
        if (years_flush(e) < 0)
            Py_CLEAR(result);
    } else {
        PyObject *type, *value, *traceback;
        PyErr_Fetch(&type, &value, &traceback);
        if (years_flush(e) < 0)
            PyErr_Clear();
        PyErr_Restore(type, value, traceback);
    }
    PyBuffer_Release(&view);
    return result;
}

static int engine_init(Engine *e, PyObject *args, PyObject *kw)
{
    static char *names[] = {"ctx", "nf_shapes", "asa_shapes", "asa_at", "ssh_shapes", "ssh_conn", "ssh_conns",
                            "max_connections", "ssh_ours", "slow", "recheck", "bye", "fail_invalid", "fail_too_many",
                            "failed_login", "several", "complete", "quiet", "nf_keywords", NULL};
    PyObject *ctx, *nf, *asa, *asa_at, *ssh, *ssh_conn, *conns, *ours, *slow, *bye, *finv, *ftoo, *failed, *several;
    PyObject *max_conns, *quiet = Py_None, *nf_keywords = Py_None;
    long recheck;
    int complete = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOOOOOOOOlOOOOO|pOO", names, &ctx, &nf, &asa, &asa_at, &ssh,
                                     &ssh_conn, &conns, &max_conns, &ours, &slow, &recheck, &bye, &finv, &ftoo,
                                     &failed, &several, &complete, &quiet, &nf_keywords))
        return -1;
    if ((quiet != Py_None && !Py_IS_TYPE(quiet, &KeywordsType)) ||
        (nf_keywords != Py_None && !Py_IS_TYPE(nf_keywords, &KeywordsType))) {
        PyErr_SetString(PyExc_TypeError, "quiet and nf_keywords must be a Keywords or None");
        return -1;
    }
    e->complete = complete;
#define SETOPT(field, value)                                                                                          \
    do {                                                                                                              \
        PyObject *v_ = (value) == Py_None ? NULL : (value);                                                           \
        Py_XINCREF(v_);                                                                                               \
        Py_XSETREF(e->field, v_);                                                                                     \
    } while (0)
    if ((nf != Py_None && !PyDict_Check(nf)) || (asa != Py_None && !PyDict_Check(asa)) ||
        (ssh != Py_None && !PyDict_Check(ssh)) || (conns != Py_None && !PyDict_Check(conns))) {
        PyErr_SetString(PyExc_TypeError, "shapes and connections must be dicts");
        return -1;
    }
    SETOPT(ctx, ctx);
    SETOPT(quiet, quiet);
    SETOPT(nf_keywords, nf_keywords);
    SETOPT(nf_shapes, nf);
    SETOPT(asa_shapes, asa);
    SETOPT(asa_at, asa_at);
    SETOPT(ssh_shapes, ssh);
    SETOPT(ssh_conn, ssh_conn);
    SETOPT(several, several);
    SETOPT(failed_login, failed);
    for (int i = 0; i < 7; i++) {
        e->conn_slot[i] = -1;
        if (!e->ssh_conn || !PyType_Check(e->ssh_conn))
            continue;
        PyObject *d = PyDict_GetItemWithError(((PyTypeObject *)e->ssh_conn)->tp_dict, *CONN_ATTRS[i]);
        if (d && Py_IS_TYPE(d, &PyMemberDescr_Type)) {
            PyMemberDef *member = ((PyMemberDescrObject *)d)->d_member;
            if (member->type == T_OBJECT_EX && !(member->flags & READONLY))
                e->conn_slot[i] = member->offset;
        }
        if (PyErr_Occurred())
            return -1;
    }
    Py_CLEAR(e->conn_template);
    if (e->ssh_conn && PyType_Check(e->ssh_conn)) {
        /* copy a template rather than call the class, when the class is seven slots and nothing
         * else (no __dict__, no __weakref__) and its new object holds only None, False, or an
         * empty set or list */
        PyTypeObject *type = (PyTypeObject *)e->ssh_conn;
        int slots = type->tp_basicsize == (Py_ssize_t)(sizeof(PyObject) + 7 * sizeof(PyObject *)) &&
                    type->tp_dictoffset == 0 && type->tp_weaklistoffset == 0 && !(type->tp_flags & Py_TPFLAGS_MANAGED_DICT);
        for (int i = 0; i < 7; i++)
            slots = slots && e->conn_slot[i] >= 0;
        PyObject *t = slots ? PyObject_CallNoArgs(e->ssh_conn) : NULL;
        if (slots && !t)
            return -1;
        for (int i = 0; t && i < 7; i++) {
            PyObject *v = *(PyObject **)((char *)t + e->conn_slot[i]);
            if (!v || !(v == Py_None || v == Py_False || (PySet_CheckExact(v) && PySet_GET_SIZE(v) == 0) ||
                        (PyList_CheckExact(v) && PyList_GET_SIZE(v) == 0)))
                Py_CLEAR(t);
        }
        e->conn_template = t;
    }
    e->max_connections = max_conns == Py_None ? 0 : PyLong_AsSsize_t(max_conns);
    if (PyErr_Occurred())
        return -1;
    SETOPT(ssh_conns, conns);
    SETOPT(ssh_ours, ours);
    SETOPT(slow, slow);
    SETOPT(bye, bye);
    SETOPT(fail_invalid, finv);
    SETOPT(fail_too_many, ftoo);
    if (e->asa_shapes && !e->asa_at)
        Py_CLEAR(e->asa_shapes);
    if (e->ssh_shapes && !(e->ssh_conn && e->ssh_conns && e->ssh_ours && e->bye && e->fail_invalid &&
                           e->fail_too_many && e->several && e->failed_login && e->max_connections > 0))
        Py_CLEAR(e->ssh_shapes);
    e->recheck = recheck;
    Py_XSETREF(e->ctx_dict, PyObject_GenericGetDict(ctx, NULL));
    if (!e->ctx_dict)
        return -1;
    Py_XSETREF(e->stamp, PyObject_GetAttrString(ctx, "syslog_stamp"));
    if (!e->stamp)
        return -1;
    static const char *methods[3] = {"password", "none", "keyboard-interactive/pam"};
    for (int i = 0; i < 3; i++)
        for (int inv = 0; inv < 2; inv++) {
            PyObject *sig = PyUnicode_FromFormat("sshd: failed %s%s", methods[i], inv ? " for invalid user" : "");
            PyObject *t = sig ? PyTuple_Pack(2, sig, failed) : NULL;
            Py_XDECREF(sig);
            if (!t)
                return -1;
            Py_XSETREF(e->fail_method[i][inv], t);
        }
    Py_XSETREF(e->sshd_name, PyUnicode_FromString("sshd"));
    Py_XSETREF(e->keys, PyDict_New());
    Py_XSETREF(e->ours, PyDict_New());
    if (!e->sshd_name || !e->keys || !e->ours)
        return -1;
    return 0;
}

static int engine_traverse(Engine *e, visitproc visit, void *arg)
{
    Py_VISIT(e->nf_shapes);
    Py_VISIT(e->asa_shapes);
    Py_VISIT(e->ssh_shapes);
    Py_VISIT(e->asa_at);
    Py_VISIT(e->ssh_conn);
    Py_VISIT(e->conn_template);
    Py_VISIT(e->last_ours);
    Py_VISIT(e->several);
    Py_VISIT(e->failed_login);
    Py_VISIT(e->ssh_conns);
    Py_VISIT(e->ssh_ours);
    Py_VISIT(e->ctx);
    Py_VISIT(e->quiet);
    Py_VISIT(e->nf_keywords);
    Py_VISIT(e->ctx_dict);
    Py_VISIT(e->stamp);
    Py_VISIT(e->slow);
    Py_VISIT(e->bye);
    Py_VISIT(e->fail_invalid);
    Py_VISIT(e->fail_too_many);
    Py_VISIT(e->ours);
    Py_VISIT(e->inferred.at);
    Py_VISIT(e->dated.at);
    return 0;
}

static int engine_clear(Engine *e)
{
    Py_CLEAR(e->nf_shapes);
    Py_CLEAR(e->asa_shapes);
    Py_CLEAR(e->ssh_shapes);
    Py_CLEAR(e->asa_at);
    Py_CLEAR(e->ssh_conn);
    Py_CLEAR(e->conn_template);
    Py_CLEAR(e->last_ours);
    Py_CLEAR(e->several);
    Py_CLEAR(e->failed_login);
    Py_CLEAR(e->ssh_conns);
    Py_CLEAR(e->ssh_ours);
    Py_CLEAR(e->ctx);
    Py_CLEAR(e->quiet);
    Py_CLEAR(e->nf_keywords);
    Py_CLEAR(e->ctx_dict);
    Py_CLEAR(e->stamp);
    Py_CLEAR(e->slow);
    Py_CLEAR(e->bye);
    Py_CLEAR(e->fail_invalid);
    Py_CLEAR(e->fail_too_many);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            Py_CLEAR(e->fail_method[i][j]);
    Py_CLEAR(e->sshd_name);
    Py_CLEAR(e->keys);
    Py_CLEAR(e->ours);
    Py_CLEAR(e->inferred.at);
    Py_CLEAR(e->dated.at);
    Py_CLEAR(e->last_name);
    addr_free(&e->addrs);
    shapes_free(&e->shapes);
    words_free(e);
    e->years.loaded = e->years.dirty = 0;
    Py_CLEAR(e->years.last);
    Py_CLEAR(e->years.utc_at);
    Py_CLEAR(e->years.zone);
    Py_CLEAR(e->off_zone);
    return 0;
}

static void engine_dealloc(Engine *e)
{
    PyObject_GC_UnTrack(e);
    engine_clear(e);
    Py_TYPE(e)->tp_free((PyObject *)e);
}

static PyMethodDef engine_methods[] = {
    {"scan", (PyCFunction)(void (*)(void))engine_scan, METH_FASTCALL,
     "scan(buffer, pos, end, number, rows, names) -> (pos, number, stop, lane): see the module's source."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject EngineType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "incidents.parsers._fastlane.Engine",
    .tp_basicsize = sizeof(Engine),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The lanes' commonest layouts, read in C (see the module).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)engine_init,
    .tp_dealloc = (destructor)engine_dealloc,
    .tp_traverse = (traverseproc)engine_traverse,
    .tp_clear = (inquiry)engine_clear,
    .tp_methods = engine_methods,
};

/* ----------------------------------------------------------------------------------------- */
/* The aggregator: OffenderSummary.add_row for every source                                  */
/* ----------------------------------------------------------------------------------------- */

enum { MAX_PORTS = 64, MAX_TARGETS = 64, MAX_SIGNATURES = 32, MAX_SOURCE_PORTS = 16, MAX_LOCATIONS = 20 };

typedef struct {
    PyObject *src;
    int hostile;
    Py_ssize_t count;
    PyObject *first, *last;                          /* NULL: None */
    int64_t first_us, last_us;                       /* their epoch_us, when known (below) */
    int first_known, last_known;
    PyObject *ports, *targets, *sigs;                /* dicts: value -> None, first seen first */
    PyObject *kinds;                                 /* set */
    PyObject *locations, *source_ports;              /* lists */
} Summary;

typedef struct {
    PyObject_HEAD
    PyObject *index; /* src -> int */
    Summary *items;
    Py_ssize_t n, cap;
    PyObject *seen; /* Kind.SEEN */
} Aggregator;

static int summary_fresh(Summary *s)
{
    Py_CLEAR(s->first);
    Py_CLEAR(s->last);
    Py_XSETREF(s->ports, PyDict_New());
    Py_XSETREF(s->targets, PyDict_New());
    Py_XSETREF(s->sigs, PyDict_New());
    Py_XSETREF(s->kinds, PySet_New(NULL));
    Py_XSETREF(s->locations, PyList_New(0));
    Py_XSETREF(s->source_ports, PyList_New(0));
    s->count = 0;
    return (s->ports && s->targets && s->sigs && s->kinds && s->locations && s->source_ports) ? 0 : -1;
}

static void summary_clear(Summary *s)
{
    Py_CLEAR(s->src);
    Py_CLEAR(s->first);
    Py_CLEAR(s->last);
    Py_CLEAR(s->ports);
    Py_CLEAR(s->targets);
    Py_CLEAR(s->sigs);
    Py_CLEAR(s->kinds);
    Py_CLEAR(s->locations);
    Py_CLEAR(s->source_ports);
}

static Summary *agg_summary(Aggregator *a, PyObject *src)
{
    PyObject *i = PyDict_GetItemWithError(a->index, src);
    if (i)
        return &a->items[PyLong_AsSsize_t(i)];
    if (PyErr_Occurred())
        return NULL;
    if (a->n == a->cap) {
        Py_ssize_t cap = a->cap ? a->cap * 2 : 256;
        Summary *items = PyMem_Realloc(a->items, (size_t)cap * sizeof(Summary));
        if (!items) {
            PyErr_NoMemory();
            return NULL;
        }
        a->items = items;
        a->cap = cap;
    }
    Summary *s = &a->items[a->n];
    memset(s, 0, sizeof *s);
    if (summary_fresh(s) < 0) {
        summary_clear(s);
        return NULL;
    }
    PyObject *n = PyLong_FromSsize_t(a->n);
    if (!n || PyDict_SetItem(a->index, src, n) < 0) {
        Py_XDECREF(n);
        summary_clear(s);
        return NULL;
    }
    Py_DECREF(n);
    Py_INCREF(src);
    s->src = src;
    a->n++;
    return s;
}

/* "x < y" as Python answers it (an error: -1) */
static inline int less(PyObject *x, PyObject *y) { return x == y ? 0 : PyObject_RichCompareBool(x, y, Py_LT); }

static int agg_add(Aggregator *a, PyObject *const *v)
{
    /* v: src, at, kind, dst, dport, signature, location, sport */
    PyObject *at = v[1], *kind = v[2], *dst = v[3], *dport = v[4], *sig = v[5], *loc = v[6], *sport = v[7];
    Summary *s = agg_summary(a, v[0]);
    if (!s)
        return -1;
    int seen = PyObject_RichCompareBool(kind, a->seen, Py_EQ);
    if (seen < 0)
        return -1;
    if (seen) {
        if (s->hostile)
            return 0;
    } else if (!s->hostile) {
        if (summary_fresh(s) < 0)
            return -1;
        s->hostile = 1;
    }
    s->count++;
    if (at != Py_None) {
        /* compared as numbers when both are datetimes in UTC, else as Python compares them */
        int64_t at_us = 0;
        int known = epoch_us(at, &at_us) == 0, r;
        if (!s->first)
            r = 1;
        else if (known && s->first_known)
            r = at_us < s->first_us;
        else if ((r = less(at, s->first)) < 0)
            return -1;
        if (r) {
            Py_INCREF(at);
            Py_XSETREF(s->first, at);
            s->first_us = at_us;
            s->first_known = known;
        }
        if (!s->last)
            r = 1;
        else if (known && s->last_known)
            r = s->last_us < at_us;
        else if ((r = less(s->last, at)) < 0)
            return -1;
        if (r) {
            Py_INCREF(at);
            Py_XSETREF(s->last, at);
            s->last_us = at_us;
            s->last_known = known;
        }
    }
    if (dport != Py_None && PyDict_GET_SIZE(s->ports) < MAX_PORTS && PyDict_SetItem(s->ports, dport, Py_None) < 0)
        return -1;
    if (sport != Py_None && PyList_GET_SIZE(s->source_ports) < MAX_SOURCE_PORTS) {
        int in = PySequence_Contains(s->source_ports, sport);
        if (in < 0 || (!in && PyList_Append(s->source_ports, sport) < 0))
            return -1;
    }
    if (PyDict_GET_SIZE(s->targets) < MAX_TARGETS) {
        int t = PyObject_IsTrue(dst);
        if (t < 0 || (t && PyDict_SetItem(s->targets, dst, Py_None) < 0))
            return -1;
    }
    if (PySet_Add(s->kinds, kind) < 0)
        return -1;
    if (PyDict_GET_SIZE(s->sigs) < MAX_SIGNATURES) {
        int t = PyObject_IsTrue(sig);
        if (t < 0 || (t && PyDict_SetItem(s->sigs, sig, Py_None) < 0))
            return -1;
    }
    if (loc != Py_None && PyList_GET_SIZE(s->locations) < MAX_LOCATIONS && PyList_Append(s->locations, loc) < 0)
        return -1;
    return 0;
}

static PyObject *agg_add_row(Aggregator *a, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "add_row(src, at, kind, dst, dport, signature, location, sport)");
        return NULL;
    }
    if (agg_add(a, args) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *agg_add_rows(Aggregator *a, PyObject *rows)
{
    if (Py_IS_TYPE(rows, &RowBufType)) {
        RowBuf *b = (RowBuf *)rows;
        for (Py_ssize_t i = 0; i < b->n; i++)
            if (agg_add(a, b->rows[i].v) < 0)
                return NULL;
        Py_RETURN_NONE;
    }
    PyObject *seq = PySequence_Fast(rows, "add_rows needs a sequence of rows");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *row = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) != 8) {
            Py_DECREF(seq);
            PyErr_SetString(PyExc_TypeError, "a row is a tuple of 8 values");
            return NULL;
        }
        if (agg_add(a, &PyTuple_GET_ITEM(row, 0)) < 0) {
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    Py_RETURN_NONE;
}

/* export() -> [(src, hostile, count, first, last, ports, targets, kinds, signatures, locations,
 * source_ports)], sources in the order first added; the aggregator is empty afterwards */
static PyObject *agg_export(Aggregator *a, PyObject *unused)
{
    PyObject *out = PyList_New(a->n);
    if (!out)
        return NULL;
    for (Py_ssize_t i = 0; i < a->n; i++) {
        Summary *s = &a->items[i];
        PyObject *t = Py_BuildValue("(OOnOOOOOOOO)", s->src, s->hostile ? Py_True : Py_False, s->count,
                                    s->first ? s->first : Py_None, s->last ? s->last : Py_None, s->ports, s->targets,
                                    s->kinds, s->sigs, s->locations, s->source_ports);
        if (!t) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, t);
    }
    for (Py_ssize_t i = 0; i < a->n; i++)
        summary_clear(&a->items[i]);
    a->n = 0;
    PyDict_Clear(a->index);
    return out;
}

static PyObject *agg_len(Aggregator *a, PyObject *unused) { return PyLong_FromSsize_t(a->n); }

static int agg_init(Aggregator *a, PyObject *args, PyObject *kw)
{
    static char *names[] = {"seen", NULL};
    PyObject *seen;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O", names, &seen))
        return -1;
    Py_INCREF(seen);
    Py_XSETREF(a->seen, seen);
    Py_XSETREF(a->index, PyDict_New());
    return a->index ? 0 : -1;
}

static int agg_traverse(Aggregator *a, visitproc visit, void *arg)
{
    Py_VISIT(a->index);
    Py_VISIT(a->seen);
    for (Py_ssize_t i = 0; i < a->n; i++) {
        Summary *s = &a->items[i];
        Py_VISIT(s->src);
        Py_VISIT(s->first);
        Py_VISIT(s->last);
        Py_VISIT(s->ports);
        Py_VISIT(s->targets);
        Py_VISIT(s->sigs);
        Py_VISIT(s->kinds);
        Py_VISIT(s->locations);
        Py_VISIT(s->source_ports);
    }
    return 0;
}

static int agg_clear(Aggregator *a)
{
    for (Py_ssize_t i = 0; i < a->n; i++)
        summary_clear(&a->items[i]);
    a->n = 0;
    Py_CLEAR(a->index);
    Py_CLEAR(a->seen);
    return 0;
}

static void agg_dealloc(Aggregator *a)
{
    PyObject_GC_UnTrack(a);
    agg_clear(a);
    PyMem_Free(a->items);
    a->items = NULL;
    Py_TYPE(a)->tp_free((PyObject *)a);
}

static PyMethodDef agg_methods[] = {
    {"add_row", (PyCFunction)(void (*)(void))agg_add_row, METH_FASTCALL,
     "add_row(src, at, kind, dst, dport, signature, location, sport): OffenderSummary.add_row of src"},
    {"add_rows", (PyCFunction)agg_add_rows, METH_O, "add_row of each row tuple"},
    {"export", (PyCFunction)agg_export, METH_NOARGS, "every summary as a tuple; empties the aggregator"},
    {"size", (PyCFunction)agg_len, METH_NOARGS, "the number of sources"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject AggregatorType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "incidents.parsers._fastlane.Aggregator",
    .tp_basicsize = sizeof(Aggregator),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "OffenderSummary.add_row for every source of a parse, in C.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)agg_init,
    .tp_dealloc = (destructor)agg_dealloc,
    .tp_traverse = (traverseproc)agg_traverse,
    .tp_clear = (inquiry)agg_clear,
    .tp_methods = agg_methods,
};

/* ----------------------------------------------------------------------------------------- */
/* Keywords: which of many short texts occur in a line (the line loop's choice of candidates)  */
/* ----------------------------------------------------------------------------------------- */


static void keywords_free(Keywords *k)
{
    for (Py_ssize_t i = 0; i < k->count; i++)
        PyMem_Free(k->text[i]);
    PyMem_Free(k->text);
    PyMem_Free(k->len);
    PyMem_Free(k->by_pair);
    PyMem_Free(k->pair_start);
    PyMem_Free(k->single);
    k->text = NULL;
    k->len = NULL;
    k->by_pair = k->pair_start = k->single = NULL;
    k->count = 0;
}

static int keywords_init(Keywords *k, PyObject *args, PyObject *kw)
{
    static char *names[] = {"keywords", NULL};
    PyObject *given;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O", names, &given))
        return -1;
    PyObject *seq = PySequence_Fast(given, "keywords must be a sequence of str");
    if (!seq)
        return -1;
    keywords_free(k);
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    k->text = PyMem_Calloc((size_t)n + 1, sizeof(char *));
    k->len = PyMem_Calloc((size_t)n + 1, sizeof(Py_ssize_t));
    k->by_pair = PyMem_Calloc((size_t)n + 1, sizeof(uint32_t));
    k->pair_start = PyMem_Calloc(65537, sizeof(uint32_t));
    k->single = PyMem_Calloc(256, sizeof(uint32_t));
    if (!k->text || !k->len || !k->by_pair || !k->pair_start || !k->single) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t size;
        const char *utf8 = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(seq, i), &size);
        if (!utf8 || size == 0 || !(k->text[i] = PyMem_Malloc((size_t)size))) {
            Py_DECREF(seq);
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "a keyword must be a non-empty str");
            return -1;
        }
        memcpy(k->text[i], utf8, (size_t)size);
        k->len[i] = size;
        k->count = i + 1;
        if (size == 1) {
            if (k->single[(unsigned char)utf8[0]]) {
                Py_DECREF(seq);
                PyErr_SetString(PyExc_ValueError, "keywords must be distinct");
                return -1;
            }
            k->single[(unsigned char)utf8[0]] = (uint32_t)i + 1;
        } else {
            k->pair_start[((unsigned char)utf8[0] << 8 | (unsigned char)utf8[1]) + 1]++;
        }
    }
    Py_DECREF(seq);
    for (int p = 0; p < 65536; p++)
        k->pair_start[p + 1] += k->pair_start[p];
    uint32_t *fill = PyMem_Calloc(65536, sizeof(uint32_t));
    if (!fill) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (k->len[i] < 2)
            continue;
        int p = (unsigned char)k->text[i][0] << 8 | (unsigned char)k->text[i][1];
        k->by_pair[k->pair_start[p] + fill[p]++] = (uint32_t)i;
    }
    PyMem_Free(fill);
    return 0;
}


/* find(line) -> the indices (into the keywords given) of those that occur in ``line``, as the
 * bits of an int */
static PyObject *keywords_find(Keywords *k, PyObject *line)
{
    Py_ssize_t n;
    const char *s;
    if (PyBytes_Check(line)) { /* a str with lone surrogates, encoded with surrogatepass */
        s = PyBytes_AS_STRING(line);
        n = PyBytes_GET_SIZE(line);
    } else if (!(s = PyUnicode_AsUTF8AndSize(line, &n)))
        return NULL;
    uint64_t small[8] = {0};
    uint64_t *bits = small;
    Py_ssize_t words = (k->count + 63) / 64;
    if (words > 8 && !(bits = PyMem_Calloc((size_t)words, sizeof(uint64_t))))
        return PyErr_NoMemory();
    PyObject *out;
    if (!keywords_scan(k, s, n, bits))
        out = PyLong_FromLong(0);
    else
        out = _PyLong_FromByteArray((const unsigned char *)bits, (size_t)words * 8, 1, 0);
    if (bits != small)
        PyMem_Free(bits);
    return out;
}

static void keywords_dealloc(Keywords *k)
{
    keywords_free(k);
    Py_TYPE(k)->tp_free((PyObject *)k);
}

static PyMethodDef keywords_methods[] = {
    {"find", (PyCFunction)keywords_find, METH_O,
     "find(line) -> int: bit i is set when keyword i occurs in line (a str, or its UTF-8 bytes)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject KeywordsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "incidents.parsers._fastlane.Keywords",
    .tp_basicsize = sizeof(Keywords),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Keywords(list of str): find(line) tells which occur in a line.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)keywords_init,
    .tp_dealloc = (destructor)keywords_dealloc,
    .tp_methods = keywords_methods,
};

static PyMethodDef module_methods[] = {{NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastlane",
    "The lanes' commonest layouts and the offenders' aggregation in C (see the source).", -1, module_methods,
};

PyMODINIT_FUNC PyInit__fastlane(void)
{
    if (PyType_Ready(&EngineType) < 0 || PyType_Ready(&AggregatorType) < 0 || PyType_Ready(&RowBufType) < 0 ||
        PyType_Ready(&KeywordsType) < 0)
        return NULL;
    PyDateTime_IMPORT;
    if (!PyDateTimeAPI)
        return NULL;
    static const char *attrs[] = {"host", "users", "pending", "dst", "dst_port", "src_port", "failed", "_year",
                                  "_last_syslog", "_last_stamp", "_last_utc", "_last_text", "_zone"};
    PyObject **slots[] = {&A_host, &A_users, &A_pending, &A_dst, &A_dst_port, &A_src_port, &A_failed, &A_year,
                          &A_last_syslog, &A_last_stamp, &A_last_utc, &A_last_text, &A_zone};
    for (int i = 0; i < 13; i++)
        if (!*slots[i] && !(*slots[i] = PyUnicode_InternFromString(attrs[i])))
            return NULL;
    if (!A_utcoffset && !(A_utcoffset = PyUnicode_InternFromString("utcoffset")))
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&EngineType);
    Py_INCREF(&AggregatorType);
    Py_INCREF(&RowBufType);
    Py_INCREF(&KeywordsType);
    if (PyModule_AddObject(m, "Engine", (PyObject *)&EngineType) < 0 ||
        PyModule_AddObject(m, "Keywords", (PyObject *)&KeywordsType) < 0 ||
        PyModule_AddObject(m, "Rows", (PyObject *)&RowBufType) < 0 ||
        PyModule_AddObject(m, "Aggregator", (PyObject *)&AggregatorType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
